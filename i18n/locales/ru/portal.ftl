# Кабинет владельца и веб-касса.

portal-app-name = Regulars
portal-sign-in = Войти
portal-sign-out = Выйти
portal-email = Эл. почта
portal-password = Пароль
portal-search = Поиск
portal-save = Сохранить
portal-cancel = Отмена
portal-add = Добавить
portal-edit = Изменить
portal-delete = Удалить
portal-back = Назад
portal-saved = Сохранено.
portal-empty = Здесь пока ничего нет.
portal-page = Страница { $page } из { $pages }
portal-loading = Загрузка…

## Навигация

portal-nav-dashboard = Обзор
portal-nav-guests = Гости
portal-nav-cafes = Кафе
portal-nav-programs = Программы
portal-nav-staff = Персонал
portal-nav-shifts = Смены
portal-nav-events = Журнал событий
portal-nav-analytics = Аналитика
portal-nav-settings = Настройки
portal-nav-pos = Касса

## Гости

portal-guests-title = Гости
portal-guests-count =
    { $count ->
        [one] { $count } гость
        [few] { $count } гостя
        [many] { $count } гостей
       *[other] { $count } гостя
    }
portal-guest-name = Имя
portal-guest-phone = Телефон
portal-guest-tier = Уровень
portal-guest-balance = Баланс
portal-guest-last-visit = Последний визит
portal-guest-joined = С нами с
portal-guest-language = Язык
portal-guest-channels = Мессенджеры
portal-guest-adjust = Изменить баланс
portal-guest-adjust-reason = Причина (гость увидит её в истории)

## Кафе

portal-cafes-title = Кафе
portal-cafe-name = Название
portal-cafe-address = Адрес
portal-cafe-timezone = Часовой пояс
portal-cafe-currency = Валюта
portal-cafe-hours = Часы работы
portal-cafe-closed = Выходной

## Программы

portal-programs-title = Программы лояльности
portal-program-kind = Тип
portal-program-kind-points = Баллы
portal-program-kind-stamps = Штампы
portal-program-scope = Где действует
portal-program-scope-chain = Во всех кафе
portal-program-scope-cafe = В одном кафе
portal-program-rules = Правила начисления
portal-program-tiers = Уровни
portal-program-rewards = Награды
portal-program-expiry = Баллы сгорают через
portal-program-expiry-days =
    { $days ->
        [one] { $days } день
        [few] { $days } дня
        [many] { $days } дней
       *[other] { $days } дня
    }

## Персонал и смены

portal-staff-title = Персонал
portal-staff-role = Роль
portal-role-owner = Владелец
portal-role-manager = Менеджер
portal-role-barista = Бариста
portal-staff-invite = Пригласить сотрудника
portal-shifts-title = Смены
portal-shift-open = Открыта
portal-shift-closed = Закрыта
portal-shift-opened-by = Кто открыл
portal-shift-opened-at = Открыта
portal-shift-closed-at = Закрыта
portal-shift-actions =
    { $count ->
        [one] { $count } операция
        [few] { $count } операции
        [many] { $count } операций
       *[other] { $count } операции
    }

## Журнал событий

portal-events-title = Журнал событий
portal-event-time = Время
portal-event-actor = Кто
portal-event-action = Что
portal-event-guest = Гость
portal-event-cafe = Кафе

## Аналитика

portal-analytics-title = Аналитика
portal-analytics-active-guests = Активные гости
portal-analytics-new-guests = Новые гости
portal-analytics-visits = Визиты
portal-analytics-repeat-rate = Вернулись
portal-analytics-points-issued = Начислено баллов
portal-analytics-points-redeemed = Списано баллов
portal-analytics-member-revenue = Выручка от участников
portal-analytics-average-check = Средний чек
portal-analytics-period = Период

## Рассылки

portal-nav-broadcasts = Рассылки
portal-broadcast-new = Новая рассылка
portal-broadcast-text = Сообщение
portal-broadcast-language = Язык
portal-broadcast-second-language = Второй язык (необязательно)
portal-broadcast-bilingual-hint = Гости получат оба языка в одном сообщении, разделённые линией.
portal-broadcast-recipients =
    { $count ->
        [one] { $count } получатель
        [few] { $count } получателя
        [many] { $count } получателей
       *[other] { $count } получателя
    }
portal-broadcast-send = Отправить
portal-broadcast-sent = Отправлено.

## Касса

portal-pos-title = Касса
portal-pos-scan = Отсканируйте код гостя
portal-pos-code = Код из 6 цифр
portal-pos-amount = Сумма покупки
portal-pos-add = Добавить покупку

## Ошибки

portal-error-not-found = Такой страницы нет.
portal-error-forbidden = У вас нет доступа к этой странице.
portal-error-session-expired = Сессия истекла. Войдите снова.
portal-error-save-failed = Не удалось сохранить. Проверьте поля, отмеченные красным, и попробуйте ещё раз.
portal-error-sign-in = Неверная почта или пароль.

## Server status page (GET /)

portal-status-title = Regulars работает
portal-status-storage = Хранилище: { $backend }.
portal-status-health = Процесс
portal-status-readiness = Готовность
portal-status-chain = Сеть
portal-status-slug = Короткое имя
portal-status-no-chains = Сетей пока нет: выполните { $command }.
