# Разговор гостя с ботом. Переменные — как в en/bot.ftl.

## Приветствие и регистрация

bot-welcome =
    Привет, { $name }! Это карта гостя { $chain }.
    Копите баллы с каждого заказа и получайте угощения от нас.
bot-welcome-back = С возвращением, { $name }!
bot-choose-language = На каком языке вам удобнее общаться?
bot-language-name = Русский
bot-language-set = Готово! Теперь я говорю по-русски.
bot-choose-cafe = В какое из наших кафе вы заходите чаще всего? Это можно поменять в любой момент.
bot-cafe-chosen = { $cafe } теперь ваше любимое кафе.
bot-share-phone =
    Поделитесь, пожалуйста, номером телефона. Так карта не потеряется, если вы смените телефон или мессенджер, а бариста быстро найдёт вас на кассе.
bot-share-phone-button = Отправить мой номер
bot-type-phone = Напишите свой номер телефона в международном формате, например +381601234567. Или нажмите «Пропустить».
bot-phone-invalid = Это не похоже на номер телефона. Напишите его в международном формате, например +381601234567.
bot-phone-saved = Спасибо! Ваш номер сохранён.
bot-consent =
    Чтобы карта работала, { $chain } хранит ваш номер телефона и историю визитов. Мы никому их не продаём и не присылаем спам, а удалить карту можно в любой момент в разделе «Помощь».
bot-consent-accept = Принимаю
bot-consent-decline = Нет, спасибо
bot-consent-declined = Ничего страшного. Кафе и акции можно смотреть и без карты. Когда захотите завести карту, отправьте /start.
bot-card-ready = Готово, { $name }! Ваша карта создана. Покажите её на кассе, чтобы копить баллы.
bot-card-found = С возвращением, { $name }! У вас уже есть наша карта в другом мессенджере: вот она, со всеми баллами.
bot-cards-merged = Мы нашли вторую карту с этим номером телефона и объединили их: всё накопленное теперь на одной карте.
bot-skip = Пропустить
bot-back = Назад

## Карта

bot-card-title = Ваша карта { $chain }
bot-card-balance =
    { $balance ->
        [one] На счету { $balance } балл
        [few] На счету { $balance } балла
        [many] На счету { $balance } баллов
       *[other] На счету { $balance } балла
    }
bot-card-stamps = Штампы: { $stamps } из { $stamps_total }
bot-card-stamps-left =
    { $stamps_left ->
        [one] Ещё { $stamps_left } штамп — и следующий кофе за наш счёт!
        [few] Ещё { $stamps_left } штампа до бесплатного кофе.
        [many] Ещё { $stamps_left } штампов до бесплатного кофе.
       *[other] Ещё { $stamps_left } штампа до бесплатного кофе.
    }
bot-card-tier = Уровень: { $tier }
bot-card-tier-progress =
    { $points_needed ->
        [one] До уровня { $tier } остался { $points_needed } балл.
        [few] До уровня { $tier } осталось { $points_needed } балла.
        [many] До уровня { $tier } осталось { $points_needed } баллов.
       *[other] До уровня { $tier } осталось { $points_needed } балла.
    }
bot-card-tier-top = У вас самый высокий уровень. Спасибо, что вы с нами!
bot-card-reward-progress =
    { $points_needed ->
        [one] До награды «{ $reward }» остался { $points_needed } балл.
        [few] До награды «{ $reward }» осталось { $points_needed } балла.
        [many] До награды «{ $reward }» осталось { $points_needed } баллов.
       *[other] До награды «{ $reward }» осталось { $points_needed } балла.
    }
bot-card-reward-ready = Вас ждёт «{ $reward }»! Покажите карту на кассе, чтобы получить.
bot-card-code = Покажите это на кассе. Код: { $code }
bot-card-code-hint = Код меняется каждые 30 секунд. Если бариста не может его отсканировать, нажмите «Обновить».
bot-card-staff-link = Для персонала: { $link }
bot-card-refresh = Обновить

## Главное меню

bot-menu-prompt = Что хотите сделать?
bot-menu-card = Моя карта
bot-menu-history = История
bot-menu-promotions = Акции
bot-menu-cafes = Кафе
bot-menu-invite = Пригласить друга
bot-menu-language = Язык
bot-menu-help = Помощь

## История

bot-history-title = Ваша история
bot-history-empty = Здесь пока пусто. Ваш первый визит появится тут.
bot-history-page = Страница { $page } из { $pages }
bot-history-newer = ‹ Новее
bot-history-older = Старше ›
bot-history-earn =
    { $date } · { $points ->
        [one] +{ $points } балл
        [few] +{ $points } балла
        [many] +{ $points } баллов
       *[other] +{ $points } балла
    } в кафе { $cafe }
bot-history-stamp = { $date } · штамп в кафе { $cafe }
bot-history-redeem = { $date } · «{ $reward }» в кафе { $cafe } (−{ $points })
bot-history-expire =
    { $date } · { $points ->
        [one] сгорел { $points } балл
        [few] сгорело { $points } балла
        [many] сгорело { $points } баллов
       *[other] сгорело { $points } балла
    }
bot-history-adjust = { $date } · баланс исправлен на { $delta }: { $reason }
bot-history-refund =
    { $date } · возврат в кафе { $cafe }, { $points ->
        [one] списан { $points } балл
        [few] списано { $points } балла
        [many] списано { $points } баллов
       *[other] списано { $points } балла
    }
bot-history-bonus =
    { $date } · { $points ->
        [one] +{ $points } бонусный балл
        [few] +{ $points } бонусных балла
        [many] +{ $points } бонусных баллов
       *[other] +{ $points } бонусного балла
    }: { $kind ->
        [referral] друг присоединился
        [birthday] с днём рождения!
       *[promotion] акция
    }

## Акции

bot-promotions-title = Акции
bot-promotions-none = Сейчас акций нет. Мы напишем, как только появится что-нибудь вкусное.
bot-promotion-until = До { $date }
bot-invited-by = { $friend } приглашает вас! Присоединяйтесь, сделайте первую покупку — и вы оба получите бонусные баллы.

## Кафе

bot-cafes-title = Наши кафе
bot-cafe-address = { $cafe }, { $address }
bot-cafe-hours = Сегодня: { $opens }–{ $closes }
bot-cafe-open-now = Открыто до { $closes }
bot-cafe-closed-now = Сейчас закрыто, откроется в { $opens }
bot-cafe-closed-today = Сегодня закрыто
bot-cafe-directions = Как добраться

## Пригласить друга

bot-invite =
    { $points ->
        [one] Пригласите друга в программу лояльности { $chain }! Когда он зарегистрируется по вашей ссылке и сделает первую покупку, вы оба получите { $points } бонусный балл.
        [few] Пригласите друга в программу лояльности { $chain }! Когда он зарегистрируется по вашей ссылке и сделает первую покупку, вы оба получите по { $points } бонусных балла.
        [many] Пригласите друга в программу лояльности { $chain }! Когда он зарегистрируется по вашей ссылке и сделает первую покупку, вы оба получите по { $points } бонусных баллов.
       *[other] Пригласите друга в программу лояльности { $chain }! Когда он зарегистрируется по вашей ссылке и сделает первую покупку, вы оба получите по { $points } бонусного балла.
    }
bot-invite-link = Ваша ссылка: { $link }
bot-invite-no-bonus = Пригласите друга в { $chain }! Отправьте ему свою личную ссылку: когда он присоединится по ней, мы узнаем, что он от вас.
bot-invite-share = Поделиться ссылкой
bot-invite-count =
    { $friends ->
        [0] Пока никто из друзей не присоединился.
        [one] Уже присоединился { $friends } друг.
        [few] Уже присоединились { $friends } друга.
        [many] Уже присоединились { $friends } друзей.
       *[other] Уже присоединились { $friends } друга.
    }

## Язык и помощь

bot-language-prompt = Выберите язык:
bot-help =
    Я храню вашу карту гостя { $chain }.
    • Моя карта — баланс и код для кассы
    • История — что вы накопили и потратили
    • Кафе — адреса и часы работы
    • Пригласить друга — бонусные баллы вам обоим
    Есть вопросы? Спросите бариста.
bot-help-delete = Удалить мою карту
bot-delete-confirm = Удалить карту вместе со всеми баллами? Отменить это будет нельзя.
bot-deleted = Ваша карта и данные удалены. Спасибо, что заходили, { $name }!
bot-fallback = Простите, я не понял. Нажмите одну из кнопок ниже или отправьте /help — расскажу, что я умею.
bot-stale-button = Эта кнопка из старого сообщения. Вот что можно сделать сейчас:
bot-phone-code-sent = Карта с этим номером у нас уже есть. Чтобы присоединиться к ней, введите 6-значный код, который мы только что отправили этой карте в { $messenger }.
bot-phone-code-wrong = Код не подходит. { $left ->
        [one] Осталась { $left } попытка.
        [few] Осталось { $left } попытки.
        [many] Осталось { $left } попыток.
       *[other] Осталось { $left } попытки.
    }
bot-phone-code-failed = Код не подошёл, поэтому карты не объединены. Можно продолжить без номера телефона.
bot-phone-code-expired = Срок действия кода истёк, поэтому карты не объединены. Можно продолжить без номера телефона.
