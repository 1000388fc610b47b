# Guest conversation in the messenger bot.
#
# Variables used across this file:
#   $name           guest's first name as the messenger gives it
#   $chain          the chain's name, e.g. "Kafeterija"
#   $cafe           a cafe's name;  $address its street address
#   $balance, $points, $points_needed   whole numbers of points
#   $stamps, $stamps_total, $stamps_left  stamps on a stamp card
#   $tier           tier name as the owner typed it ("Gold")
#   $reward         reward name as the owner typed it ("Free cappuccino")
#   $date, $opens, $closes   already formatted date / times
#   $link           a referral link;  $code a 6-digit till code

## Welcome and onboarding

bot-welcome =
    Hi { $name }! Welcome to the { $chain } loyalty card.
    Collect points with every order and get treats on the house.
bot-welcome-back = Welcome back, { $name }!
bot-choose-language = Which language would you like me to use?
bot-language-name = English
bot-language-set = Done! I'll speak English from now on.
bot-choose-cafe = Which of our cafes do you visit most? You can change this any time.
bot-cafe-chosen = { $cafe } is now your home cafe.
bot-share-phone =
    Please share your phone number. It keeps your card safe if you change phones or messengers, and lets staff find you at the till.
bot-share-phone-button = Share my phone number
bot-type-phone = Please type your phone number in international format, e.g. +381601234567. Tap Skip if you'd rather not.
bot-phone-invalid = That doesn't look like a phone number. Please use the international format, e.g. +381601234567.
bot-phone-saved = Thanks! Your phone number is saved.
bot-consent =
    To run your card, { $chain } keeps your phone number and your visit history. We never sell it or send spam, and you can delete your card any time in Help.
bot-consent-accept = I agree
bot-consent-decline = No, thanks
bot-consent-declined = No problem. You can still see our cafes and promotions. Send /start whenever you want a card.
bot-card-ready = All set, { $name }! Your card is ready. Show it at the till to collect points.
bot-card-found = Welcome back, { $name }! You already have a card with us through another messenger: this is it, with your points.
bot-cards-merged = We found a second card with this phone number and joined the two: everything you collected is on this one card now.
bot-skip = Skip
bot-back = Back

## The card

bot-card-title = Your { $chain } card
bot-card-balance =
    { $balance ->
        [one] Balance: { $balance } point
       *[other] Balance: { $balance } points
    }
bot-card-stamps = Stamps: { $stamps } of { $stamps_total }
bot-card-stamps-left =
    { $stamps_left ->
        [one] Just one more stamp and your next coffee is on us!
       *[other] { $stamps_left } more stamps to a free coffee.
    }
bot-card-tier = Level: { $tier }
bot-card-tier-progress =
    { $points_needed ->
        [one] { $points_needed } more point to reach { $tier }.
       *[other] { $points_needed } more points to reach { $tier }.
    }
bot-card-tier-top = You're at our top level. Thank you for being a regular!
bot-card-reward-progress =
    { $points_needed ->
        [one] { $points_needed } more point for { $reward }.
       *[other] { $points_needed } more points for { $reward }.
    }
bot-card-reward-ready = { $reward } is waiting for you! Show this card at the till to get it.
bot-card-code = Show this at the till. Code: { $code }
bot-card-code-hint = The code changes every 30 seconds. If the barista can't scan it, tap Refresh.
bot-card-staff-link = For staff: { $link }
bot-card-refresh = Refresh

## Main menu

bot-menu-prompt = What would you like to do?
bot-menu-card = My card
bot-menu-history = History
bot-menu-promotions = Promotions
bot-menu-cafes = Cafes
bot-menu-invite = Invite a friend
bot-menu-language = Language
bot-menu-help = Help

## History

bot-history-title = Your history
bot-history-empty = Nothing here yet. Your first visit will show up here.
bot-history-page = Page { $page } of { $pages }
bot-history-newer = ‹ Newer
bot-history-older = Older ›
bot-history-earn =
    { $date } · { $points ->
        [one] +{ $points } point
       *[other] +{ $points } points
    } at { $cafe }
bot-history-stamp = { $date } · stamp at { $cafe }
bot-history-redeem = { $date } · { $reward } redeemed at { $cafe } (−{ $points })
bot-history-expire =
    { $date } · { $points ->
        [one] { $points } point expired
       *[other] { $points } points expired
    }
bot-history-adjust = { $date } · balance corrected by { $delta }: { $reason }
bot-history-refund =
    { $date } · refund at { $cafe }, { $points ->
        [one] { $points } point taken back
       *[other] { $points } points taken back
    }
bot-history-bonus =
    { $date } · { $points ->
        [one] +{ $points } bonus point
       *[other] +{ $points } bonus points
    }: { $kind ->
        [referral] a friend joined
        [birthday] happy birthday!
       *[promotion] promotion
    }

## Promotions

bot-promotions-title = Promotions
bot-promotions-none = No promotions right now. We'll message you as soon as there's something tasty.
bot-promotion-until = Until { $date }
bot-invited-by = { $friend } invited you! Join, make your first purchase, and you both get bonus points.

## Cafes

bot-cafes-title = Our cafes
bot-cafe-address = { $cafe }, { $address }
bot-cafe-hours = Today: { $opens }–{ $closes }
bot-cafe-open-now = Open now, until { $closes }
bot-cafe-closed-now = Closed now, opens at { $opens }
bot-cafe-closed-today = Closed today
bot-cafe-directions = Directions

## Invite a friend

bot-invite =
    { $points ->
        [one] Invite a friend to { $chain }! When they join with your link and make their first purchase, you both get { $points } bonus point.
       *[other] Invite a friend to { $chain }! When they join with your link and make their first purchase, you both get { $points } bonus points.
    }
bot-invite-link = Your link: { $link }
bot-invite-no-bonus = Invite a friend to { $chain }! Send them your personal link: when they join with it, we'll know they came from you.
bot-invite-share = Share the link
bot-invite-count =
    { $friends ->
        [0] No friends have joined yet.
        [one] { $friends } friend has joined so far.
       *[other] { $friends } friends have joined so far.
    }

## Language and help

bot-language-prompt = Choose your language:
bot-help =
    I keep your { $chain } loyalty card.
    • My card: your balance and the code to show at the till
    • History: what you earned and spent
    • Cafes: addresses and opening hours
    • Invite a friend: bonus points for you both
    Questions? Just ask the barista.
bot-help-delete = Delete my card
bot-delete-confirm = Delete your card and all its points? This cannot be undone.
bot-deleted = Your card and data are deleted. Thank you for the visits, { $name }!
bot-fallback = Sorry, I didn't catch that. Tap a button below, or send /help to see what I can do.
bot-stale-button = That button is from an older message. Here's what you can do now:
bot-phone-code-sent = A card with this number already exists with us. To join it, type the 6-digit code we have just sent to that card in { $messenger }.
bot-phone-code-wrong = That code does not match. { $left ->
        [one] One more try.
       *[other] { $left } more tries.
    }
bot-phone-code-failed = The code did not match, so we have not joined the cards. You can go on without the phone number.
bot-phone-code-expired = That code has expired, so we have not joined the cards. You can go on without the phone number.
