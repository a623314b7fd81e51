-- Partners and support cases (issue 19): partner organisations (banks, microfinance, funds,
-- insurers, the Cooperative Alliance, departments, trainers) and their staff; applicants
-- that are not cooperatives (household businesses led by women, women starting one); support
-- cases from request to disbursement, each step with who and when. Keep in step with
-- ../sqlite/20261207000200_support_cases.sql.
CREATE TABLE partners (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('bank', 'microfinance', 'fund', 'insurer', 'alliance', 'department', 'trainer')),
    phone TEXT,
    email TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX partners_slug_key ON partners (slug);
CREATE TABLE partner_staff (
    partner_id BIGINT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (partner_id, user_id)
);
CREATE INDEX partner_staff_user_idx ON partner_staff (user_id);
CREATE TABLE applicants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('household', 'founder')),
    name TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    phone TEXT,
    commune_code TEXT,
    registered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX applicants_user_idx ON applicants (user_id);
CREATE TABLE support_cases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('credit', 'insurance', 'founding', 'brand', 'legal', 'accounting')),
    -- Exactly one applicant: a cooperative, or an applicant of another kind.
    org_id BIGINT REFERENCES organisations (id) ON DELETE CASCADE,
    applicant_id BIGINT REFERENCES applicants (id) ON DELETE CASCADE,
    -- The officer's scope: the applicant's ward/commune when the case was opened.
    commune_code TEXT,
    status TEXT NOT NULL CHECK (status IN ('requested', 'referred', 'received', 'approved', 'declined', 'done', 'withdrawn')),
    partner_id BIGINT REFERENCES partners (id) ON DELETE RESTRICT,
    amount_vnd BIGINT CHECK (amount_vnd IS NULL OR amount_vnd > 0),
    purpose TEXT,
    term_months BIGINT CHECK (term_months IS NULL OR term_months BETWEEN 1 AND 360),
    -- Another credit case of the applicant's was open with, or disbursed by, another partner
    -- in the last 12 months when this one was referred (set at referral, shown to both sides).
    duplicate_flag BOOLEAN NOT NULL DEFAULT FALSE,
    decision_reason TEXT,
    done_amount_vnd BIGINT CHECK (done_amount_vnd IS NULL OR done_amount_vnd >= 0),
    done_on DATE,
    -- A founding case that ended in a registration: the cooperative it founded (counted once).
    founded_org_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    opened_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- When the one whose turn it is should have acted (NULL: nobody's turn).
    due_at TIMESTAMPTZ,
    reminded_at TIMESTAMPTZ,
    escalated_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK ((org_id IS NULL) <> (applicant_id IS NULL)),
    CHECK (status IN ('requested', 'withdrawn') OR partner_id IS NOT NULL)
);
CREATE INDEX support_cases_org_idx ON support_cases (org_id);
CREATE INDEX support_cases_applicant_idx ON support_cases (applicant_id);
CREATE INDEX support_cases_partner_idx ON support_cases (partner_id, status);
CREATE INDEX support_cases_commune_idx ON support_cases (commune_code, status);
CREATE INDEX support_cases_due_idx ON support_cases (due_at);
CREATE TABLE support_case_steps (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES support_cases (id) ON DELETE CASCADE,
    step TEXT NOT NULL CHECK (step IN ('open', 'refer', 'receive', 'approve', 'decline', 'complete', 'withdraw')),
    status TEXT NOT NULL,
    partner_id BIGINT REFERENCES partners (id) ON DELETE SET NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    note TEXT,
    amount_vnd BIGINT,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_case_steps_case_idx ON support_case_steps (case_id, id);
