-- 002_reserved.sql: a placeholder for the client migration another branch
-- holds (migrations may not skip a number); the lead drops it at merge.
SELECT 1;
