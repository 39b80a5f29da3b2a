-- API tokens. Only a SHA-256 of each token is stored: tokens are 256-bit
-- random strings, so a plain hash is enough and lookups stay one index probe.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    last_used_at BIGINT,
    revoked_at   BIGINT
);
