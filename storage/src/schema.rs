//! The diesel schema, shared by both backends (the migrations keep the SQL types compatible:
//! `BIGINT`/`INTEGER`, `TEXT`, `BOOLEAN`, `DOUBLE PRECISION`/`REAL`).

diesel::table! {
    chains (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        default_language -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    cafes (id) {
        id -> BigInt,
        chain_id -> BigInt,
        name -> Text,
        address -> Text,
        lat -> Double,
        lon -> Double,
        timezone -> Text,
        currency -> Text,
        opening_hours -> Text,
        created_at -> BigInt,
        archived_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    programs (id) {
        id -> BigInt,
        chain_id -> BigInt,
        name -> Text,
        kind -> Text,
        scope -> Text,
        rules -> Text,
        created_at -> BigInt,
        archived_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    guests (id) {
        id -> BigInt,
        chain_id -> BigInt,
        public_id -> Text,
        display_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_verified -> Bool,
        language -> Nullable<Text>,
        birthday -> Nullable<Text>,
        referral_code -> Text,
        marketing_consent -> Bool,
        created_at -> BigInt,
        home_cafe_id -> Nullable<BigInt>,
        referred_by -> Nullable<BigInt>,
        merged_into -> Nullable<BigInt>,
        erased_at -> Nullable<BigInt>,
        name_key -> Nullable<Text>,
    }
}

diesel::table! {
    guest_identities (id) {
        id -> BigInt,
        chain_id -> BigInt,
        guest_id -> BigInt,
        channel -> Text,
        external_id -> Text,
        created_at -> BigInt,
        unreachable_at -> Nullable<BigInt>,
        last_seen_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    wallets (id) {
        id -> BigInt,
        chain_id -> BigInt,
        guest_id -> BigInt,
        program_id -> BigInt,
        cafe_id -> Nullable<BigInt>,
        scope_key -> BigInt,
        points -> BigInt,
        stamps -> BigInt,
        lifetime_points -> BigInt,
        tier -> Nullable<Text>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        chain_id -> BigInt,
        wallet_id -> BigInt,
        kind -> Text,
        points -> BigInt,
        stamps -> BigInt,
        points_after -> BigInt,
        stamps_after -> BigInt,
        lifetime_after -> BigInt,
        idempotency_key -> Text,
        actor_kind -> Text,
        actor_ref -> Text,
        cafe_id -> Nullable<BigInt>,
        shift_id -> Nullable<BigInt>,
        purchase_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        rule_snapshot -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    purchases (id) {
        id -> BigInt,
        chain_id -> BigInt,
        cafe_id -> BigInt,
        source -> Text,
        external_id -> Text,
        guest_id -> Nullable<BigInt>,
        total_minor -> BigInt,
        currency -> Text,
        items -> Text,
        occurred_at -> BigInt,
        recorded_at -> BigInt,
    }
}

diesel::table! {
    purchase_refunds (id) {
        id -> BigInt,
        chain_id -> BigInt,
        purchase_id -> BigInt,
        source -> Text,
        refund_id -> Text,
        amount_minor -> BigInt,
        lines -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    staff (id) {
        id -> BigInt,
        chain_id -> BigInt,
        name -> Text,
        role -> Text,
        cafes -> Text,
        channel -> Nullable<Text>,
        external_id -> Nullable<Text>,
        login -> Nullable<Text>,
        created_at -> BigInt,
        pin_hash -> Nullable<Text>,
        deactivated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    shifts (id) {
        id -> BigInt,
        chain_id -> BigInt,
        staff_id -> BigInt,
        cafe_id -> BigInt,
        opened_at -> BigInt,
        closed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        chain_id -> BigInt,
        kind -> Text,
        subject -> Text,
        cafe_id -> Nullable<BigInt>,
        payload -> Text,
        created_at -> BigInt,
        staff_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    guest_secrets (guest_id) {
        guest_id -> BigInt,
        chain_id -> BigInt,
        key_id -> Text,
        sealed -> Binary,
        last_step -> Nullable<BigInt>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    presences (guest_id) {
        guest_id -> BigInt,
        chain_id -> BigInt,
        presenting_until -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    action_claims (chain_id, staff_id, action, guest_id) {
        chain_id -> BigInt,
        staff_id -> BigInt,
        action -> Text,
        guest_id -> BigInt,
        counted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    security_events (id) {
        id -> BigInt,
        chain_id -> BigInt,
        kind -> Text,
        staff_id -> Nullable<BigInt>,
        terminal -> Nullable<Text>,
        guest_id -> Nullable<BigInt>,
        at -> BigInt,
    }
}

diesel::table! {
    reward_codes (id) {
        id -> BigInt,
        chain_id -> BigInt,
        code -> Text,
        wallet_id -> BigInt,
        reward_key -> Text,
        reward_name -> Text,
        cost_points -> BigInt,
        cost_stamps -> BigInt,
        ledger_key -> Text,
        cafe_id -> Nullable<BigInt>,
        status -> Text,
        issued_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        closed_at -> Nullable<BigInt>,
        used_at_cafe -> Nullable<BigInt>,
        closed_by_kind -> Nullable<Text>,
        closed_by_ref -> Nullable<Text>,
    }
}

diesel::table! {
    pos_deliveries (id) {
        id -> BigInt,
        chain_id -> BigInt,
        source -> Text,
        delivery_id -> Text,
        event_key -> Text,
        purchase_id -> BigInt,
        outcome -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        chain_id -> BigInt,
        guest_id -> BigInt,
        dedupe_key -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        available_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        platform_message_id -> Nullable<Text>,
        receipt -> Nullable<Text>,
    }
}

// The outbox claim reads the guest, their identities and the chain's language with the row;
// the guest of an identity is found with a subquery (one round trip on every bot update).
diesel::table! {
    accounts (id) {
        id -> BigInt,
        login -> Text,
        password_hash -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    terminals (id) {
        id -> BigInt,
        chain_id -> BigInt,
        cafe_id -> BigInt,
        name -> Text,
        token_hash -> Text,
        paired_by -> BigInt,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        chain_id -> BigInt,
        staff_id -> BigInt,
        account_id -> Nullable<BigInt>,
        terminal_id -> Nullable<BigInt>,
        token_hash -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
        ended_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        chain_id -> BigInt,
        staff_id -> BigInt,
        name -> Text,
        permissions -> Text,
        token_hash -> Text,
        created_by -> BigInt,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(outbox, guest_identities, guests, chains);
diesel::table! {
    conversations (id) {
        id -> BigInt,
        chain_id -> BigInt,
        channel -> Text,
        external_id -> Text,
        state -> Text,
        version -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    hourly_stats (chain_id, cafe_id, hour) {
        chain_id -> BigInt,
        cafe_id -> BigInt,
        hour -> BigInt,
        orders -> BigInt,
        revenue_minor -> BigInt,
        refunded_minor -> BigInt,
        points_earned -> BigInt,
        stamps_earned -> BigInt,
        points_redeemed -> BigInt,
        rewards_redeemed -> BigInt,
        new_guests -> BigInt,
        referrals -> BigInt,
    }
}

diesel::table! {
    guest_visits (guest_id, scope) {
        guest_id -> BigInt,
        scope -> BigInt,
        chain_id -> BigInt,
        orders -> BigInt,
        spend_minor -> BigInt,
        first_at -> BigInt,
        last_at -> BigInt,
    }
}

diesel::table! {
    cohort_cells (chain_id, scope, cohort, month) {
        chain_id -> BigInt,
        scope -> BigInt,
        cohort -> BigInt,
        month -> BigInt,
        guests -> BigInt,
    }
}

diesel::table! {
    scope_totals (chain_id, scope) {
        chain_id -> BigInt,
        scope -> BigInt,
        guests -> BigInt,
        visitors -> BigInt,
        repeat_visitors -> BigInt,
        visits -> BigInt,
    }
}
