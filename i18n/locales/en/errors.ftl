# Errors shown to guests and staff. Say what happened and what to do next; never blame.

error-generic = Something went wrong on our side. Please try again in a minute.
error-not-found = We couldn't find that. It may have been removed.
error-forbidden = Sorry, you can't do that.
error-rate-limited =
    { $seconds ->
        [one] Too many requests. Please try again in { $seconds } second.
       *[other] Too many requests. Please try again in { $seconds } seconds.
    }
error-invalid-phone = That doesn't look like a phone number. Please use the Share button.
error-phone-in-use = This phone number is already linked to another card. Ask the staff to help you merge them.
error-insufficient-points =
    { $points_needed ->
        [one] Not enough points yet: { $points_needed } more point needed.
       *[other] Not enough points yet: { $points_needed } more points needed.
    }
error-reward-unavailable = This reward is not available right now.
error-invalid-amount = Please enter an amount, for example 450 or 450.50.
error-cafe-closed = This cafe is closed right now.
error-unavailable = The service is temporarily unavailable. Your points are safe; please try again shortly.
