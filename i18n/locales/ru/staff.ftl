# Режим персонала: бариста и менеджеры обслуживают гостя через мессенджер.

staff-mode = Режим персонала · { $cafe }
staff-guest-opened = { $name } · { $tier }
staff-guest-balance =
    { $balance ->
        [one] Баланс: { $balance } балл
        [few] Баланс: { $balance } балла
        [many] Баланс: { $balance } баллов
       *[other] Баланс: { $balance } балла
    }
staff-guest-phone = Телефон заканчивается на { $phone_last }
staff-guest-reward-ready = Доступна награда: { $reward }
staff-earn-amount = Добавить покупку
staff-earn-visit = Засчитать визит
staff-earn-prompt = Сумма покупки в { $currency }:
staff-earn-confirm = Добавить покупку на { $amount } гостю { $name }?
staff-visit-confirm = Засчитать визит гостю { $name }?
staff-earn-done =
    { $points ->
        [one] Начислен { $points } балл за { $amount }. У гостя { $name } теперь { $balance }.
        [few] Начислено { $points } балла за { $amount }. У гостя { $name } теперь { $balance }.
        [many] Начислено { $points } баллов за { $amount }. У гостя { $name } теперь { $balance }.
       *[other] Начислено { $points } балла за { $amount }. У гостя { $name } теперь { $balance }.
    }
staff-visit-done = Визит засчитан. У гостя { $name } { $stamps } из { $stamps_total } штампов.
staff-redeem = Выдать награду
staff-redeem-prompt = Какую награду?
staff-redeem-option =
    { $cost ->
        [one] { $reward } · { $cost } балл
        [few] { $reward } · { $cost } балла
        [many] { $reward } · { $cost } баллов
       *[other] { $reward } · { $cost } балла
    }
staff-redeem-confirm =
    { $cost ->
        [one] Выдать гостю { $name } «{ $reward }» за { $cost } балл?
        [few] Выдать гостю { $name } «{ $reward }» за { $cost } балла?
        [many] Выдать гостю { $name } «{ $reward }» за { $cost } баллов?
       *[other] Выдать гостю { $name } «{ $reward }» за { $cost } балла?
    }
staff-redeem-done = Готово: «{ $reward }» для гостя { $name }. Остаток: { $balance }.
staff-redeem-short =
    { $points_needed ->
        [one] Гостю { $name } не хватает { $points_needed } балла до «{ $reward }».
        [few] Гостю { $name } не хватает { $points_needed } баллов до «{ $reward }».
        [many] Гостю { $name } не хватает { $points_needed } баллов до «{ $reward }».
       *[other] Гостю { $name } не хватает { $points_needed } балла до «{ $reward }».
    }
staff-confirm = Подтвердить
staff-cancel = Отмена
staff-cancelled = Отменено, ничего не изменилось.
staff-redeem-none = У гостя { $name } пока нет наград, которые можно получить.
staff-shift-required = Сначала откройте смену: каждая продажа и награда записываются в смену.
staff-shift-open = Открыть смену
staff-shift-close = Закрыть смену
staff-shift-opened = Смена открыта в кафе { $cafe }, { $time }.
staff-shift-closed =
    { $actions ->
        [0] Смена закрыта. За смену не было операций.
        [one] Смена закрыта. Записана { $actions } операция.
        [few] Смена закрыта. Записано { $actions } операции.
        [many] Смена закрыта. Записано { $actions } операций.
       *[other] Смена закрыта. Записано { $actions } операции.
    }
staff-code-prompt = Отсканируйте QR-код гостя или введите 6 цифр с его карты.
staff-code-used = Этот код уже использован. Попросите гостя нажать «Обновить» и показать новый код.
staff-code-expired = Срок действия кода истёк. Попросите гостя нажать «Обновить» на карте.
staff-code-wrong =
    { $attempts_left ->
        [one] Неверный код. Осталась { $attempts_left } попытка.
        [few] Неверный код. Осталось { $attempts_left } попытки.
        [many] Неверный код. Осталось { $attempts_left } попыток.
       *[other] Неверный код. Осталось { $attempts_left } попытки.
    }
staff-code-locked =
    { $minutes ->
        [one] Слишком много неверных кодов. Ввод кода заблокирован на { $minutes } минуту — отсканируйте QR-код.
        [few] Слишком много неверных кодов. Ввод кода заблокирован на { $minutes } минуты — отсканируйте QR-код.
        [many] Слишком много неверных кодов. Ввод кода заблокирован на { $minutes } минут — отсканируйте QR-код.
       *[other] Слишком много неверных кодов. Ввод кода заблокирован на { $minutes } минуты — отсканируйте QR-код.
    }
staff-code-ambiguous = Этот код подходит нескольким гостям. Спросите последние 4 цифры номера телефона.
staff-phone-digits-prompt = Последние 4 цифры телефона гостя:
staff-guest-not-found = Гость не найден. Проверьте код и попробуйте ещё раз.
staff-only = Эта ссылка только для персонала.
staff-duplicate-tap = Это уже засчитано секунду назад, повторно не добавлено.
staff-exit = Выйти из режима персонала
