-- Payments: provider webhook events recorded once by id (a redelivery is a no-op), subscriptions
-- kept from the provider's events, and a coin wallet as a double-entry ledger.
--
-- Ledger: every movement is one transfer of two entries that sum to zero (the sender's -n, the
-- receiver's +n). An account's balance is the sum of its entries; wallet_accounts.balance holds
-- that sum, updated in the same transaction, so a spend is one conditional UPDATE (its row lock
-- orders concurrent spends, the CHECK keeps a user's balance from going negative). The issuer
-- account (coins bought) is the one that may go below zero.
CREATE TABLE IF NOT EXISTS payment_events (
    provider text NOT NULL,
    event_id text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    processed_at timestamptz,
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE IF NOT EXISTS subscriptions (
    provider text NOT NULL,
    provider_subscription_id text NOT NULL,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan text NOT NULL,
    status text NOT NULL,
    current_period_end timestamptz,
    cancel_at_period_end boolean NOT NULL DEFAULT false,
    -- The provider's event time of the last change applied: an older event arriving late loses.
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (provider, provider_subscription_id)
);
CREATE INDEX IF NOT EXISTS subscriptions_user_idx ON subscriptions (user_id, changed_at DESC);

CREATE TABLE IF NOT EXISTS wallet_accounts (
    id text PRIMARY KEY,
    balance bigint NOT NULL DEFAULT 0,
    may_go_negative boolean NOT NULL DEFAULT false,
    CONSTRAINT wallet_accounts_never_negative CHECK (may_go_negative OR balance >= 0)
);
INSERT INTO wallet_accounts (id, may_go_negative) VALUES ('issuer', true) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS wallet_transfers (
    id text PRIMARY KEY,
    from_account text NOT NULL REFERENCES wallet_accounts (id),
    to_account text NOT NULL REFERENCES wallet_accounts (id),
    amount bigint NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (from_account <> to_account)
);

CREATE TABLE IF NOT EXISTS wallet_entries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    transfer_id text NOT NULL REFERENCES wallet_transfers (id),
    account_id text NOT NULL REFERENCES wallet_accounts (id),
    amount bigint NOT NULL CHECK (amount <> 0),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS wallet_entries_account_idx ON wallet_entries (account_id, created_at DESC, id DESC);
