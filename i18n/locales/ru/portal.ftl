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
portal-error-sign-in = Неверный логин или пароль.

## Server status page (GET /)

portal-status-title = Regulars работает
portal-status-storage = Хранилище: { $backend }.
portal-status-health = Процесс
portal-status-readiness = Готовность
portal-status-chain = Сеть
portal-status-slug = Короткое имя
portal-status-no-chains = Сетей пока нет: выполните { $command }.

## Portal frame, sign-in and filters

portal-login = Логин
portal-skip-to-content = К содержанию
portal-nav-label = Разделы портала
portal-chain = Сеть
portal-switch = Перейти
portal-language = Язык
portal-filter-cafe = Кафе
portal-filter-all-cafes = Все кафе
portal-apply = Применить
portal-export-csv = Выгрузить CSV
portal-next-page = Следующая страница
portal-sort-by = Сортировать:
portal-error-bad-request = В адресе что-то не так.
portal-error-too-many = Слишком много попыток. Подождите минуту и попробуйте снова.
portal-error-server = У нас что-то пошло не так. Попробуйте чуть позже.

## Dashboard

portal-dash-period = Период
portal-dash-last-days =
    { $days ->
        [one] Последний { $days } день
        [few] Последние { $days } дня
        [many] Последние { $days } дней
       *[other] Последние { $days } дня
    }
portal-dash-figures = Показатели
portal-dash-vs-previous = По сравнению с прошлым периодом
portal-dash-total-guests = Гости
portal-dash-new-guests = Новые гости
portal-dash-orders = Заказы
portal-dash-revenue = Выручка
portal-dash-average-check = Средний чек
portal-dash-points-issued = Начислено баллов
portal-dash-rewards-redeemed = Выдано наград
portal-dash-reward-eligible = Могут получить награду
portal-dash-referrals = Пришли по приглашению
portal-dash-repeat-guests = Вернулись (от 2 визитов)
portal-dash-orders-per-week = Заказы по неделям
portal-dash-revenue-per-day = Выручка по дням
portal-dash-recent-activity = Последние события
portal-activity-purchase = Покупка на { $amount }
portal-activity-reward-issued = Награда выдана
portal-activity-reward-used = Награда использована
portal-activity-joined = Новый гость
portal-activity-tier = Гость достиг уровня { $tier }

## Guest list

portal-guest-public-id = Карта
portal-guests-spend = Потратил
portal-guests-reward = Награда
portal-guests-reward-ready = Доступна
portal-guests-search-hint = Телефон, имя или карта

## Analytics page

portal-analytics-visit-frequency = Заказов на гостя
portal-analytics-orders-per-month = Заказы по месяцам
portal-analytics-average-check-per-month = Средний чек по месяцам
portal-analytics-cohorts = Кто возвращается: гости по месяцу первого визита
portal-analytics-cohorts-hint = Строка — гости, впервые купившие в этом месяце; столбец — доля тех из них, кто купил снова через столько месяцев.
portal-analytics-cohort-size = Гостей
portal-analytics-month = Месяц
portal-analytics-months = По месяцам
portal-analytics-busiest-hours = Самые загруженные часы (заказы за 12 недель)
portal-analytics-cafes = Кафе рядом (последние 30 дней)
portal-analytics-visitors = Покупали
portal-weekday-mon = Пн
portal-weekday-tue = Вт
portal-weekday-wed = Ср
portal-weekday-thu = Чт
portal-weekday-fri = Пт
portal-weekday-sat = Сб
portal-weekday-sun = Вс

## A guest's page

portal-guest-title = Гость
portal-guest-home-cafe = Своё кафе
portal-guest-next-tier = ещё { $points } до уровня { $tier }
portal-guest-amount = Баллы или штампы (со знаком минус — списать)
portal-guest-adjusted = Баланс изменён.
portal-guest-kind = Запись
portal-guest-change = Изменение
portal-guest-after = Баланс после
portal-guest-reason = Причина
portal-guest-rule = Применённые правила
portal-guest-rule-show = Показать
portal-guest-purchases = Покупки
portal-guest-receipt = Чек
portal-guest-total = Сумма
portal-guest-items = Позиции

## Event log page

portal-events-kind = Что
portal-events-all = Всё
portal-events-sales = Продажи и возвраты
portal-events-rewards = Награды
portal-events-wallets = Счета и уровни
portal-events-guests = Гости
portal-events-audit = Действия администраторов
portal-events-staff = Сотрудники
portal-events-shifts = Смены
portal-events-since = С
portal-events-until = По
portal-events-subject = О чём
portal-events-details = Подробности

## Orders and loyalty pages, merges

portal-nav-orders = Заказы
portal-nav-loyalty = Лояльность
portal-orders-title = Заказы
portal-orders-source = Касса
portal-orders-refunded = Возврат
portal-orders-on-shift = На смене
portal-loyalty-title = Лояльность
portal-loyalty-program = Программа
portal-loyalty-scope-hint = Балансы и уровни — по всей программе во всех кафе; фильтр кафе сужает лучших покупателей и награды.
portal-loyalty-balances = Распределение балансов
portal-loyalty-balance-range = Баланс
portal-loyalty-wallets = Гостей
portal-loyalty-tiers = Уровни
portal-loyalty-share = Доля
portal-loyalty-no-tier = Пока без уровня
portal-loyalty-eligible = Могут получить награду сейчас
portal-loyalty-no-rewards = В этой программе пока нет наград.
portal-loyalty-eligible-hint = гостей с { $cost } и больше — столько стоит самая дешёвая награда
portal-loyalty-top-balance = Самые большие балансы
portal-loyalty-top-spend = Больше всех потратили
portal-loyalty-rewards = Награды за 30 дней
portal-loyalty-reward = Награда
portal-loyalty-issued = Выдано
portal-loyalty-used = Использовано
portal-loyalty-waiting = Ждут
portal-loyalty-cancelled = Отменено
portal-loyalty-expired = Истекло
portal-loyalty-figure = Сумма
portal-guest-merged = Две карты теперь один гость.
portal-guest-merges = Объединённые карты
portal-guest-no-merges = С этим гостем ещё не объединяли другие карты.
portal-guest-merge-card = Код карты того же человека
portal-guest-merge = Объединить с этим гостем
portal-guest-merge-hint = Мессенджеры, покупки и балансы перейдут сюда; другая карта перестанет работать. Отменить нельзя.
portal-events-by-staff = Сотрудник
portal-events-everyone = Все
