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
portal-error-sign-in = Wrong login or password.

## Server status page (GET /)

portal-status-title = Regulars is running
portal-status-storage = Storage: { $backend }.
portal-status-health = Health
portal-status-readiness = Readiness
portal-status-chain = Chain
portal-status-slug = Short name
portal-status-no-chains = No chains yet: run { $command }.

## Portal frame, sign-in and filters

portal-login = Login
portal-skip-to-content = Skip to content
portal-nav-label = Portal sections
portal-chain = Chain
portal-switch = Switch
portal-language = Language
portal-filter-cafe = Cafe
portal-filter-all-cafes = All cafes
portal-apply = Apply
portal-export-csv = Export CSV
portal-next-page = Next page
portal-sort-by = Sort by:
portal-error-bad-request = Something in the address is not right.
portal-error-too-many = Too many attempts. Wait a minute and try again.
portal-error-server = Something went wrong on our side. Try again in a moment.

## Dashboard

portal-dash-period = Period
portal-dash-last-days =
    { $days ->
        [one] Last { $days } day
       *[other] Last { $days } days
    }
portal-dash-figures = Figures
portal-dash-vs-previous = Against the previous period
portal-dash-total-guests = Guests
portal-dash-new-guests = New guests
portal-dash-orders = Orders
portal-dash-revenue = Revenue
portal-dash-average-check = Average check
portal-dash-points-issued = Points issued
portal-dash-rewards-redeemed = Rewards redeemed
portal-dash-reward-eligible = Can take a reward now
portal-dash-referrals = Came by invitation
portal-dash-repeat-guests = Came back (2+ visits)
portal-dash-orders-per-week = Orders per week
portal-dash-revenue-per-day = Revenue per day
portal-dash-recent-activity = Recent activity
portal-activity-purchase = Purchase of { $amount }
portal-activity-reward-issued = Reward issued
portal-activity-reward-used = Reward redeemed
portal-activity-joined = New guest joined
portal-activity-tier = Guest reached level { $tier }

## Guest list

portal-guest-public-id = Card
portal-guests-spend = Spend
portal-guests-reward = Reward
portal-guests-reward-ready = Ready
portal-guests-search-hint = Phone, name or card

## Analytics page

portal-analytics-visit-frequency = Visits per guest
portal-analytics-orders-per-month = Orders per month
portal-analytics-average-check-per-month = Average check per month
portal-analytics-cohorts = Who comes back: guests by month of their first visit
portal-analytics-cohorts-hint = Each row is the guests who first bought that month; each column, the share of them who bought again that many months later.
portal-analytics-cohort-size = Guests
portal-analytics-month = Month
portal-analytics-months = Month by month
portal-analytics-busiest-hours = Busiest hours (orders, last 12 weeks)
portal-analytics-cafes = Cafes side by side (last 30 days)
portal-analytics-visitors = Guests who bought
portal-weekday-mon = Mon
portal-weekday-tue = Tue
portal-weekday-wed = Wed
portal-weekday-thu = Thu
portal-weekday-fri = Fri
portal-weekday-sat = Sat
portal-weekday-sun = Sun

## A guest's page

portal-guest-title = Guest
portal-guest-home-cafe = Home cafe
portal-guest-next-tier = { $points } more to { $tier }
portal-guest-amount = Points or stamps (negative to take)
portal-guest-adjusted = The balance was adjusted.
portal-guest-kind = Entry
portal-guest-change = Change
portal-guest-after = Balance after
portal-guest-reason = Reason
portal-guest-rule = Rules applied
portal-guest-rule-show = Show
portal-guest-purchases = Purchases
portal-guest-receipt = Receipt
portal-guest-total = Total
portal-guest-items = Items

## Event log page

portal-events-kind = What
portal-events-all = Everything
portal-events-sales = Sales and refunds
portal-events-rewards = Rewards
portal-events-wallets = Wallets and levels
portal-events-guests = Guests
portal-events-audit = Admin actions
portal-events-staff = Staff
portal-events-shifts = Shifts
portal-events-since = From
portal-events-until = To
portal-events-subject = About
portal-events-details = Details

## Orders and loyalty pages, merges

portal-nav-orders = Orders
portal-nav-loyalty = Loyalty
portal-orders-title = Orders
portal-orders-source = POS
portal-orders-refunded = Refunded
portal-orders-on-shift = On shift
portal-loyalty-title = Loyalty
portal-loyalty-program = Program
portal-loyalty-scope-hint = Balances and levels are the program's across its cafes; the cafe filter narrows the top spenders and the rewards.
portal-loyalty-balances = How balances are spread
portal-loyalty-balance-range = Balance
portal-loyalty-wallets = Guests
portal-loyalty-tiers = Levels
portal-loyalty-share = Share
portal-loyalty-no-tier = No level yet
portal-loyalty-eligible = Can take a reward now
portal-loyalty-no-rewards = This program has no rewards yet.
portal-loyalty-eligible-hint = guests hold { $cost } or more, the cheapest reward
portal-loyalty-top-balance = Largest balances
portal-loyalty-top-spend = Biggest spenders
portal-loyalty-rewards = Rewards of the last 30 days
portal-loyalty-reward = Reward
portal-loyalty-issued = Issued
portal-loyalty-used = Used
portal-loyalty-waiting = Waiting
portal-loyalty-cancelled = Cancelled
portal-loyalty-expired = Expired
portal-loyalty-figure = Amount
portal-guest-merged = The two cards are now one guest.
portal-guest-merges = Merged cards
portal-guest-no-merges = No other card was merged into this guest.
portal-guest-merge-card = Card code of the same person
portal-guest-merge = Merge into this guest
portal-guest-merge-hint = Their messengers, purchases and balances move here; the other card stops working. This cannot be undone.
portal-events-by-staff = Staff
portal-events-everyone = Everyone
