-- The reserved credit of a partially posted hold is not kept anywhere else: nothing to restore.
SELECT 1;
