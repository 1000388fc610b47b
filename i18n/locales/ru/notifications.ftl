# Сообщения, которые платформа присылает сама. $amount — уже отформатированная сумма.

notify-points-earned =
    { $points ->
        [one] +{ $points } балл за заказ на { $amount }. Спасибо!
        [few] +{ $points } балла за заказ на { $amount }. Спасибо!
        [many] +{ $points } баллов за заказ на { $amount }. Спасибо!
       *[other] +{ $points } балла за заказ на { $amount }. Спасибо!
    }
    { $balance ->
        [one] На счету { $balance } балл.
        [few] На счету { $balance } балла.
        [many] На счету { $balance } баллов.
       *[other] На счету { $balance } балла.
    }
notify-progress-reward =
    { $points_needed ->
        [one] До награды «{ $reward }» остался всего { $points_needed } балл.
        [few] До награды «{ $reward }» осталось всего { $points_needed } балла.
        [many] До награды «{ $reward }» осталось всего { $points_needed } баллов.
       *[other] До награды «{ $reward }» осталось всего { $points_needed } балла.
    }
notify-progress-tier =
    { $points_needed ->
        [one] Ещё { $points_needed } балл — и у вас уровень { $tier }.
        [few] Ещё { $points_needed } балла — и у вас уровень { $tier }.
        [many] Ещё { $points_needed } баллов — и у вас уровень { $tier }.
       *[other] Ещё { $points_needed } балла — и у вас уровень { $tier }.
    }
notify-stamp-earned = Штамп в кафе { $cafe } получен! { $stamps } из { $stamps_total }.
notify-stamp-card-full = Карта заполнена — следующий кофе за наш счёт! Покажите карту на кассе.
notify-reward-unlocked = Вам доступна награда «{ $reward }»! Покажите карту на кассе, чтобы получить её.
notify-reward-redeemed =
    Приятного аппетита! «{ $reward }» — ваш.
    { $balance ->
        [one] Осталось { $balance } балл.
        [few] Осталось { $balance } балла.
        [many] Осталось { $balance } баллов.
       *[other] Осталось { $balance } балла.
    }
notify-stamp-reward-redeemed =
    Приятного аппетита! «{ $reward }» — ваш.
    Штампов на карте: { $stamps }.
notify-tier-up = Поздравляем, { $name }! Теперь у вас уровень { $tier }.
notify-tier-benefits = Ваши привилегии: { $benefits }
notify-points-expiring =
    { $points ->
        [one] { $date } сгорит { $points } балл. Заходите порадовать себя!
        [few] { $date } сгорят { $points } балла. Заходите порадовать себя!
        [many] { $date } сгорят { $points } баллов. Заходите порадовать себя!
       *[other] { $date } сгорят { $points } балла. Заходите порадовать себя!
    }
notify-points-expired =
    { $points ->
        [one] Сгорел { $points } балл.
        [few] Сгорели { $points } балла.
        [many] Сгорели { $points } баллов.
       *[other] Сгорели { $points } балла.
    }
notify-referral-bonus =
    { $points ->
        [one] Первая покупка по вашему приглашению: { $friend }! Вам начислен { $points } бонусный балл!
        [few] Первая покупка по вашему приглашению: { $friend }! Вам начислено { $points } бонусных балла!
        [many] Первая покупка по вашему приглашению: { $friend }! Вам начислено { $points } бонусных баллов!
       *[other] Первая покупка по вашему приглашению: { $friend }! Вам начислено { $points } бонусного балла!
    }
notify-birthday = С днём рождения, { $name }! На вашей карте ждёт небольшой подарок от { $chain }.
notify-refund =
    { $points ->
        [one] Покупка в кафе { $cafe } возвращена, поэтому списан { $points } балл.
        [few] Покупка в кафе { $cafe } возвращена, поэтому списано { $points } балла.
        [many] Покупка в кафе { $cafe } возвращена, поэтому списано { $points } баллов.
       *[other] Покупка в кафе { $cafe } возвращена, поэтому списано { $points } балла.
    }
notify-unsubscribe = Чтобы не получать эти сообщения, отправьте /stop. Карта продолжит работать.
notify-phone-code = Кто-то присоединяется к вашей карте из { $messenger } с вашим номером телефона. Если это вы, введите там этот код: { $code }. Если нет, просто проигнорируйте сообщение: ничего не изменится.
