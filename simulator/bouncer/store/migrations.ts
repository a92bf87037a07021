/**
 * The bouncer's schema (bouncer-protocol.md §11), as ordered migrations. Append new
 * migrations; never edit one that has shipped — existing data dirs have run it already.
 * Times are stored as Unix seconds (REAL); JSON columns as TEXT.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE remote_zulip_server (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  api_key TEXT NOT NULL,
  hostname TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  last_updated REAL NOT NULL,
  last_request_datetime REAL,
  last_version TEXT,
  last_merge_base TEXT,
  last_api_feature_level INTEGER,
  deactivated INTEGER NOT NULL DEFAULT 0,
  plan_type INTEGER NOT NULL DEFAULT 100,
  org_type INTEGER NOT NULL DEFAULT 0,
  last_audit_log_update REAL
);
CREATE INDEX remote_zulip_server_hostname ON remote_zulip_server(hostname);

CREATE TABLE remote_zulip_server_audit_log (
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL REFERENCES remote_zulip_server(id),
  event_type INTEGER NOT NULL,
  event_time REAL NOT NULL,
  extra_data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX remote_zulip_server_audit_log_server ON remote_zulip_server_audit_log(server_id);

CREATE TABLE remote_realm (
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL REFERENCES remote_zulip_server(id),
  uuid TEXT NOT NULL UNIQUE,
  uuid_owner_secret TEXT NOT NULL,
  realm_id INTEGER NOT NULL,
  host TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  org_type INTEGER NOT NULL DEFAULT 0,
  authentication_methods TEXT NOT NULL DEFAULT '{}',
  is_system_bot_realm INTEGER NOT NULL DEFAULT 0,
  registration_deactivated INTEGER NOT NULL DEFAULT 0,
  realm_deactivated INTEGER NOT NULL DEFAULT 0,
  realm_locally_deleted INTEGER NOT NULL DEFAULT 0,
  realm_date_created REAL NOT NULL,
  plan_type INTEGER NOT NULL DEFAULT 100,
  last_updated REAL NOT NULL,
  last_request_datetime REAL
);
CREATE INDEX remote_realm_server ON remote_realm(server_id);

CREATE TABLE remote_realm_audit_log (
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL REFERENCES remote_zulip_server(id),
  remote_realm_id INTEGER REFERENCES remote_realm(id),
  realm_id INTEGER,
  remote_id INTEGER,
  event_type INTEGER NOT NULL,
  event_time REAL NOT NULL,
  backfilled INTEGER NOT NULL DEFAULT 0,
  extra_data TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX remote_realm_audit_log_remote_id ON remote_realm_audit_log(server_id, remote_id)
  WHERE remote_id IS NOT NULL;
CREATE INDEX remote_realm_audit_log_realm ON remote_realm_audit_log(server_id, realm_id, event_type);

CREATE TABLE remote_realm_count (
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL REFERENCES remote_zulip_server(id),
  remote_realm_id INTEGER REFERENCES remote_realm(id),
  realm_id INTEGER,
  property TEXT NOT NULL,
  subgroup TEXT,
  end_time REAL NOT NULL,
  value INTEGER NOT NULL,
  remote_id INTEGER
);
CREATE UNIQUE INDEX remote_realm_count_remote_id ON remote_realm_count(server_id, remote_id)
  WHERE remote_id IS NOT NULL;
-- Zulip's unique_together (server, realm_id, property, subgroup, end_time), NULL subgroup
-- treated as one value (its conditional constraints do the same).
CREATE UNIQUE INDEX remote_realm_count_natural ON remote_realm_count(
  server_id, ifnull(realm_id, -1), ifnull(remote_realm_id, -1), property, ifnull(subgroup, char(0)), end_time);

CREATE TABLE remote_installation_count (
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL REFERENCES remote_zulip_server(id),
  property TEXT NOT NULL,
  subgroup TEXT,
  end_time REAL NOT NULL,
  value INTEGER NOT NULL,
  remote_id INTEGER
);
CREATE UNIQUE INDEX remote_installation_count_remote_id ON remote_installation_count(server_id, remote_id)
  WHERE remote_id IS NOT NULL;
CREATE UNIQUE INDEX remote_installation_count_natural ON remote_installation_count(
  server_id, property, ifnull(subgroup, char(0)), end_time);

-- Billing, reduced to what plan gating (§8) reads: a customer plan for a server or a realm.
CREATE TABLE customer_plan (
  id INTEGER PRIMARY KEY,
  server_id INTEGER REFERENCES remote_zulip_server(id),
  remote_realm_id INTEGER REFERENCES remote_realm(id),
  tier INTEGER NOT NULL,
  status INTEGER NOT NULL,
  next_invoice_date REAL,
  created REAL NOT NULL,
  CHECK ((server_id IS NULL) <> (remote_realm_id IS NULL))
);

-- Legacy device registrations (§4). Uniqueness per identity; APNs tokens compare lower-cased.
CREATE TABLE remote_push_device_token (
  id INTEGER PRIMARY KEY,
  server_id INTEGER NOT NULL REFERENCES remote_zulip_server(id),
  remote_realm_id INTEGER REFERENCES remote_realm(id),
  user_id INTEGER,
  user_uuid TEXT,
  kind INTEGER NOT NULL,
  token TEXT NOT NULL,
  ios_app_id TEXT,
  last_updated REAL NOT NULL
);
CREATE UNIQUE INDEX remote_push_device_token_by_id ON remote_push_device_token(
  server_id, user_id, kind, (CASE WHEN kind = 1 THEN lower(token) ELSE token END)) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX remote_push_device_token_by_uuid ON remote_push_device_token(
  server_id, user_uuid, kind, (CASE WHEN kind = 1 THEN lower(token) ELSE token END)) WHERE user_uuid IS NOT NULL;

-- E2EE registrations (§6). push_account_id for the 11.x profile, token_id for 12.x.
CREATE TABLE remote_push_device (
  device_id INTEGER PRIMARY KEY,
  remote_realm_id INTEGER NOT NULL REFERENCES remote_realm(id),
  token TEXT NOT NULL,
  token_kind TEXT NOT NULL,
  ios_app_id TEXT,
  push_account_id INTEGER,
  token_id INTEGER,
  expired_time REAL
);
CREATE UNIQUE INDEX remote_push_device_account ON remote_push_device(push_account_id, token)
  WHERE push_account_id IS NOT NULL;
CREATE UNIQUE INDEX remote_push_device_token_id ON remote_push_device(token_id, remote_realm_id)
  WHERE token_id IS NOT NULL;
`,
  },
];
