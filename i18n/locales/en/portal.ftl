# Owner portal and web POS (till) labels.

portal-app-name = Regulars
portal-sign-in = Sign in
portal-sign-out = Sign out
portal-email = Email
portal-password = Password
portal-search = Search
portal-save = Save
portal-cancel = Cancel
portal-add = Add
portal-edit = Edit
portal-delete = Delete
portal-back = Back
portal-saved = Saved.
portal-empty = Nothing here yet.
portal-page = Page { $page } of { $pages }
portal-loading = Loading…

## Navigation

portal-nav-dashboard = Dashboard
portal-nav-guests = Guests
portal-nav-cafes = Cafes
portal-nav-programs = Programs
portal-nav-staff = Staff
portal-nav-shifts = Shifts
portal-nav-events = Event log
portal-nav-analytics = Analytics
portal-nav-settings = Settings
portal-nav-pos = Till

## Guests

portal-guests-title = Guests
portal-guests-count =
    { $count ->
        [one] { $count } guest
       *[other] { $count } guests
    }
portal-guest-name = Name
portal-guest-phone = Phone
portal-guest-tier = Level
portal-guest-balance = Balance
portal-guest-last-visit = Last visit
portal-guest-joined = Joined
portal-guest-language = Language
portal-guest-channels = Messengers
portal-guest-adjust = Adjust balance
portal-guest-adjust-reason = Reason (guests see it in their history)

## Cafes

portal-cafes-title = Cafes
portal-cafe-name = Name
portal-cafe-address = Address
portal-cafe-timezone = Time zone
portal-cafe-currency = Currency
portal-cafe-hours = Opening hours
portal-cafe-closed = Closed

## Programs

portal-programs-title = Loyalty programs
portal-program-kind = Type
portal-program-kind-points = Points
portal-program-kind-stamps = Stamps
portal-program-scope = Works in
portal-program-scope-chain = All cafes
portal-program-scope-cafe = One cafe
portal-program-rules = Earning rules
portal-program-tiers = Levels
portal-program-rewards = Rewards
portal-program-expiry = Points expire after
portal-program-expiry-days =
    { $days ->
        [one] { $days } day
       *[other] { $days } days
    }

## Staff and shifts

portal-staff-title = Staff
portal-staff-role = Role
portal-role-owner = Owner
portal-role-manager = Manager
portal-role-barista = Barista
portal-staff-invite = Invite a staff member
portal-shifts-title = Shifts
portal-shift-open = Open
portal-shift-closed = Closed
portal-shift-opened-by = Opened by
portal-shift-opened-at = Opened
portal-shift-closed-at = Closed
portal-shift-actions =
    { $count ->
        [one] { $count } action
       *[other] { $count } actions
    }

## Event log

portal-events-title = Event log
portal-event-time = Time
portal-event-actor = Who
portal-event-action = What
portal-event-guest = Guest
portal-event-cafe = Cafe

## Analytics

portal-analytics-title = Analytics
portal-analytics-active-guests = Active guests
portal-analytics-new-guests = New guests
portal-analytics-visits = Visits
portal-analytics-repeat-rate = Came back
portal-analytics-points-issued = Points issued
portal-analytics-points-redeemed = Points redeemed
portal-analytics-member-revenue = Revenue from members
portal-analytics-average-check = Average check
portal-analytics-period = Period

## Broadcasts

portal-nav-broadcasts = Broadcasts
portal-broadcast-new = New broadcast
portal-broadcast-text = Message
portal-broadcast-language = Language
portal-broadcast-second-language = Second language (optional)
portal-broadcast-bilingual-hint = Guests get both languages in one message, separated by a line.
portal-broadcast-recipients =
    { $count ->
        [one] { $count } recipient
       *[other] { $count } recipients
    }
portal-broadcast-send = Send
portal-broadcast-sent = Sent.

## Till (web POS)

portal-pos-title = Till
portal-pos-scan = Scan the guest's code
portal-pos-code = 6-digit code
portal-pos-amount = Purchase amount
portal-pos-add = Add purchase

## Errors

portal-error-not-found = This page does not exist.
portal-error-forbidden = You don't have access to this page.
portal-error-session-expired = Your session has expired. Please sign in again.
portal-error-save-failed = Could not save. Check the fields marked in red and try again.
portal-error-sign-in = Wrong email or password.

## Server status page (GET /)

portal-status-title = Regulars is running
portal-status-storage = Storage: { $backend }.
portal-status-health = Health
portal-status-readiness = Readiness
portal-status-chain = Chain
portal-status-slug = Short name
portal-status-no-chains = No chains yet: run { $command }.
