# GENERATED from sr-Latn/staff.ftl by i18n/scripts/sr-latn-to-cyrl.py; edit sr-Latn instead.
# Режим особља: баристи и менаџери услужују госта преко апликације за поруке.

staff-mode = Режим особља · { $cafe }
staff-guest-opened = { $name } · { $tier }
staff-guest-balance =
    { $balance ->
        [one] Стање: { $balance } поен
        [few] Стање: { $balance } поена
       *[other] Стање: { $balance } поена
    }
staff-guest-phone = Телефон се завршава на { $phone_last }
staff-guest-reward-ready = Има спремну награду: { $reward }
staff-earn-amount = Додај куповину
staff-earn-visit = Забележи посету
staff-earn-prompt = Износ куповине у { $currency }:
staff-earn-confirm = Додати куповину од { $amount } госту { $name }?
staff-visit-confirm = Забележити посету госту { $name }?
staff-earn-done =
    { $points ->
        [one] Додат је { $points } поен за { $amount }. { $name } сада има { $balance }.
        [few] Додата су { $points } поена за { $amount }. { $name } сада има { $balance }.
       *[other] Додато је { $points } поена за { $amount }. { $name } сада има { $balance }.
    }
staff-visit-done = Посета је забележена. { $name } има { $stamps } од { $stamps_total } печата.
staff-redeem = Искористи награду
staff-redeem-prompt = Коју награду?
staff-redeem-option =
    { $cost ->
        [one] { $reward } · { $cost } поен
        [few] { $reward } · { $cost } поена
       *[other] { $reward } · { $cost } поена
    }
staff-redeem-confirm =
    { $cost ->
        [one] Дати госту { $name } „{ $reward }” за { $cost } поен?
        [few] Дати госту { $name } „{ $reward }” за { $cost } поена?
       *[other] Дати госту { $name } „{ $reward }” за { $cost } поена?
    }
staff-redeem-done = Готово: „{ $reward }” за госта { $name }. Преостало стање: { $balance }.
staff-redeem-short =
    { $points_needed ->
        [one] Госту { $name } недостаје још { $points_needed } поен за „{ $reward }”.
        [few] Госту { $name } недостају још { $points_needed } поена за „{ $reward }”.
       *[other] Госту { $name } недостаје још { $points_needed } поена за „{ $reward }”.
    }
staff-confirm = Потврди
staff-cancel = Откажи
staff-cancelled = Отказано, ништа није промењено.
staff-redeem-none = Гост { $name } још нема награда за преузимање.
staff-shift-required = Прво отворите смену: свака продаја и награда се бележе у смену.
staff-shift-open = Отвори смену
staff-shift-close = Затвори смену
staff-shift-opened = Смена је отворена у кафићу { $cafe }, { $time }.
staff-shift-closed =
    { $actions ->
        [0] Смена је затворена. Током смене није било операција.
        [one] Смена је затворена. Забележена је { $actions } операција.
        [few] Смена је затворена. Забележене су { $actions } операције.
       *[other] Смена је затворена. Забележено је { $actions } операција.
    }
staff-code-prompt = Скенирајте гостов QR ко̂д или укуцајте 6 цифара са његове картице.
staff-code-used = Овај ко̂д је већ искоришћен. Замолите госта да додирне „Освежи” и покаже нови ко̂д.
staff-code-expired = Овај ко̂д је истекао. Замолите госта да додирне „Освежи” на картици.
staff-code-wrong =
    { $attempts_left ->
        [one] Погрешан ко̂д. Преостао је { $attempts_left } покушај.
        [few] Погрешан ко̂д. Преостала су { $attempts_left } покушаја.
       *[other] Погрешан ко̂д. Преостало је { $attempts_left } покушаја.
    }
staff-code-locked =
    { $minutes ->
        [one] Превише погрешних кодова. Унос кодова је закључан { $minutes } минут; скенирајте QR ко̂д.
        [few] Превише погрешних кодова. Унос кодова је закључан { $minutes } минута; скенирајте QR ко̂д.
       *[other] Превише погрешних кодова. Унос кодова је закључан { $minutes } минута; скенирајте QR ко̂д.
    }
staff-code-ambiguous = Овај ко̂д одговара за више гостију. Питајте за последње 4 цифре броја телефона.
staff-phone-digits-prompt = Последње 4 цифре гостовог телефона:
staff-guest-not-found = Гост није пронађен. Проверите ко̂д и покушајте поново.
staff-only = Овај линк је само за особље.
staff-duplicate-tap = Ово је већ забележено пре тренутак, па није додато двапут.
staff-exit = Изађи из режима особља
