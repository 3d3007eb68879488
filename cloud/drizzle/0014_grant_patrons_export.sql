-- 開示 (disclosure export) is a new permission: the built-in administrator and librarian roles of
-- libraries created before it get it, as new libraries do. Custom roles are left to their admins.
UPDATE "roles"
SET "permissions" = array_append("permissions", 'patrons.export')
WHERE "code" IN ('admin', 'librarian') AND NOT ('patrons.export' = ANY("permissions"));
