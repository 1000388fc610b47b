# Messages the platform sends on its own: after a purchase, on a reward, before points expire.
# Same variables as bot.ftl; $amount is an already formatted price ("1.234,50 RSD").

notify-points-earned =
    { $points ->
        [one] +{ $points } point for your order of { $amount }. Thank you!
       *[other] +{ $points } points for your order of { $amount }. Thank you!
    }
    { $balance ->
        [one] Your balance: { $balance } point.
       *[other] Your balance: { $balance } points.
    }
notify-progress-reward =
    { $points_needed ->
        [one] Only { $points_needed } more point to { $reward }.
       *[other] Only { $points_needed } more points to { $reward }.
    }
notify-progress-tier =
    { $points_needed ->
        [one] { $points_needed } more point and you're { $tier }.
       *[other] { $points_needed } more points and you're { $tier }.
    }
notify-stamp-earned = Stamp collected at { $cafe }! { $stamps } of { $stamps_total }.
notify-stamp-card-full = Your card is full, so your next coffee is on us! Show your card at the till.
notify-reward-unlocked = You've unlocked { $reward }! Show your card at the till to get it.
notify-reward-redeemed =
    Enjoy your { $reward }!
    { $balance ->
        [one] Balance left: { $balance } point.
       *[other] Balance left: { $balance } points.
    }
notify-stamp-reward-redeemed =
    Enjoy your { $reward }!
    Stamps on your card: { $stamps }.
notify-tier-up = Congratulations, { $name }! You're now { $tier }.
notify-tier-benefits = Your perks: { $benefits }
notify-points-expiring =
    { $points ->
        [one] { $points } point expires on { $date }. Drop by and treat yourself!
       *[other] { $points } points expire on { $date }. Drop by and treat yourself!
    }
notify-points-expired =
    { $points ->
        [one] { $points } point has expired.
       *[other] { $points } points have expired.
    }
notify-referral-bonus =
    { $points ->
        [one] { $friend } made their first purchase. You got { $points } bonus point!
       *[other] { $friend } made their first purchase. You got { $points } bonus points!
    }
notify-birthday = Happy birthday, { $name }! A little gift from { $chain } is waiting on your card.
notify-refund =
    { $points ->
        [one] Your purchase at { $cafe } was refunded, so { $points } point was taken back.
       *[other] Your purchase at { $cafe } was refunded, so { $points } points were taken back.
    }
notify-unsubscribe = To stop these messages, send /stop. Your card keeps working.
notify-phone-code = Someone is joining your card from { $messenger } with your phone number. If it is you, type this code there: { $code }. If not, ignore this message: nothing changes.
