-- Account deletion: a request hides the account at once (users.status 'deleting') and is carried
-- out by the account_deletion state machine once due (7 days later, unless cancelled); the user
-- row stays as a tombstone with status 'deleted' (messages in shared conversations keep their
-- place, authored by no one), and its username is freed 30 days after the request.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check
    CHECK (status IN ('active', 'suspended', 'deleting', 'deleted'));

CREATE TABLE IF NOT EXISTS account_deletions (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'running', 'done')),
    requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    due_at timestamptz NOT NULL,
    username_free_at timestamptz NOT NULL,
    started_at timestamptz,
    completed_at timestamptz,
    username_freed_at timestamptz
);

-- The starter's two questions: which deletions are due, whose username may go.
CREATE INDEX IF NOT EXISTS account_deletions_due_idx ON account_deletions (due_at)
    WHERE status = 'scheduled';
CREATE INDEX IF NOT EXISTS account_deletions_username_idx ON account_deletions (username_free_at)
    WHERE status = 'done' AND username_freed_at IS NULL;
