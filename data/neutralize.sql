-- Copyright 2026 e-conomic Connector authors
-- License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
-- e-conomic: a duplicated (neutralized) database must never talk to the real agreement
UPDATE res_company
   SET economic_app_secret_token = NULL,
       economic_grant_token = NULL,
       economic_connect_state = NULL,
       economic_connect_user_id = NULL,
       economic_sync_enabled = FALSE;
