# GENERATED from sr-Latn/errors.ftl by i18n/scripts/sr-latn-to-cyrl.py; edit sr-Latn instead.
# Грешке за госте и особље: шта се десило и шта даље, без пребацивања кривице.

error-generic = Нешто је пошло наопако код нас. Покушајте поново за минут.
error-not-found = Нисмо то пронашли. Можда је уклоњено.
error-forbidden = Извините, то не можете да урадите.
error-rate-limited =
    { $seconds ->
        [one] Превише захтева. Покушајте поново за { $seconds } секунду.
        [few] Превише захтева. Покушајте поново за { $seconds } секунде.
       *[other] Превише захтева. Покушајте поново за { $seconds } секунди.
    }
error-invalid-phone = Ово не личи на број телефона. Користите дугме за дељење броја.
error-phone-in-use = Овај број је већ повезан са другом картицом. Замолите особље да вам помогне да их спојите.
error-insufficient-points =
    { $points_needed ->
        [one] Још немате довољно поена: недостаје { $points_needed } поен.
        [few] Још немате довољно поена: недостају { $points_needed } поена.
       *[other] Још немате довољно поена: недостаје { $points_needed } поена.
    }
error-reward-unavailable = Ова награда тренутно није доступна.
error-invalid-amount = Унесите износ, на пример 450 или 450,50.
error-cafe-closed = Овај кафић је тренутно затворен.
error-unavailable = Услуга је привремено недоступна. Ваши поени су безбедни, покушајте поново ускоро.
