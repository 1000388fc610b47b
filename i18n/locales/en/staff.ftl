# Staff mode: baristas and managers serving a guest through the messenger.
# $name guest's first name; $phone_last last 4 digits of their phone; $staff staff member's name;
# $amount formatted money; $currency ISO code ("RSD"); $time formatted time.

staff-mode = Staff mode · { $cafe }
staff-guest-opened = { $name } · { $tier }
staff-guest-balance =
    { $balance ->
        [one] Balance: { $balance } point
       *[other] Balance: { $balance } points
    }
staff-guest-phone = Phone ending { $phone_last }
staff-guest-reward-ready = Has a reward ready: { $reward }
staff-earn-amount = Add purchase
staff-earn-visit = Count a visit
staff-earn-prompt = Purchase amount in { $currency }:
staff-earn-confirm = Add a purchase of { $amount } for { $name }?
staff-visit-confirm = Count a visit for { $name }?
staff-earn-done =
    { $points ->
        [one] Added { $points } point for { $amount }. { $name } now has { $balance }.
       *[other] Added { $points } points for { $amount }. { $name } now has { $balance }.
    }
staff-visit-done = Visit counted. { $name } has { $stamps } of { $stamps_total } stamps.
staff-redeem = Redeem a reward
staff-redeem-prompt = Which reward?
staff-redeem-option =
    { $cost ->
        [one] { $reward } · { $cost } point
       *[other] { $reward } · { $cost } points
    }
staff-redeem-confirm =
    { $cost ->
        [one] Give { $name } { $reward } for { $cost } point?
       *[other] Give { $name } { $reward } for { $cost } points?
    }
staff-redeem-done = Done: { $reward } for { $name }. Balance left: { $balance }.
staff-redeem-short =
    { $points_needed ->
        [one] { $name } needs { $points_needed } more point for { $reward }.
       *[other] { $name } needs { $points_needed } more points for { $reward }.
    }
staff-confirm = Confirm
staff-cancel = Cancel
staff-cancelled = Cancelled, nothing was changed.
staff-redeem-none = { $name } has no rewards to redeem yet.
staff-shift-required = Open a shift first: every sale and reward is recorded to a shift.
staff-shift-open = Open shift
staff-shift-close = Close shift
staff-shift-opened = Shift opened at { $cafe }, { $time }.
staff-shift-closed =
    { $actions ->
        [0] Shift closed. No actions during this shift.
        [one] Shift closed. { $actions } action recorded.
       *[other] Shift closed. { $actions } actions recorded.
    }
staff-code-prompt = Scan the guest's QR code or type the 6 digits from their card.
staff-code-used = This code has already been used. Ask the guest to tap Refresh and show the new code.
staff-code-expired = This code has expired. Ask the guest to tap Refresh on their card.
staff-code-wrong =
    { $attempts_left ->
        [one] Wrong code. { $attempts_left } attempt left.
       *[other] Wrong code. { $attempts_left } attempts left.
    }
staff-code-locked =
    { $minutes ->
        [one] Too many wrong codes. Typing codes is locked for { $minutes } minute; scan the QR code instead.
       *[other] Too many wrong codes. Typing codes is locked for { $minutes } minutes; scan the QR code instead.
    }
staff-code-ambiguous = This code fits more than one guest. Ask for the last 4 digits of their phone number.
staff-phone-digits-prompt = Last 4 digits of the guest's phone:
staff-guest-not-found = No guest found. Check the code and try again.
staff-only = This link is for staff only.
staff-duplicate-tap = Already counted a moment ago, so it wasn't added twice.
staff-exit = Leave staff mode
