/* cardxd: the cardx XEP-0114 component program (logic in libcardxd). */
int main(void)
{
    return 1;
}
