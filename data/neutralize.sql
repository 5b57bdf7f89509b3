-- Copyright 2026 e-conomic Connector authors
-- License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
-- e-conomic: a duplicated (neutralized) database must never talk to the real agreement
UPDATE res_company
   SET economic_app_secret_token = NULL,
       economic_grant_token = NULL,
       economic_connect_state = NULL,
       economic_connect_user_id = NULL,
       economic_sync_enabled = FALSE,
       -- the original's webhooks stay the original's: the copy accepts no event
       economic_webhook_secret = NULL,
       economic_webhook_state = 'off';
-- A copy writes draft references of its own: it never takes the original's drafts for its own
-- (models/project_project.py database_tag()).
DELETE FROM ir_config_parameter WHERE key = 'economic_connector.reference_salt';
INSERT INTO ir_config_parameter (key, value, create_uid, create_date, write_uid, write_date)
     VALUES ('economic_connector.reference_salt', md5(random()::text), 1, now() at time zone 'UTC',
             1, now() at time zone 'UTC');
