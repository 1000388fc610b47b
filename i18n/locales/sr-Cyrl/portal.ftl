# GENERATED from sr-Latn/portal.ftl by i18n/scripts/sr-latn-to-cyrl.py; edit sr-Latn instead.
# Портал за власнике и веб-каса.

portal-app-name = Regulars
portal-sign-in = Пријава
portal-sign-out = Одјава
portal-email = Имејл
portal-password = Лозинка
portal-search = Претрага
portal-save = Сачувај
portal-cancel = Откажи
portal-add = Додај
portal-edit = Измени
portal-delete = Обриши
portal-back = Назад
portal-saved = Сачувано.
portal-empty = Овде још нема ничега.
portal-page = Страна { $page } од { $pages }
portal-loading = Учитава се…

## Навигација

portal-nav-dashboard = Преглед
portal-nav-guests = Гости
portal-nav-cafes = Кафићи
portal-nav-programs = Програми
portal-nav-staff = Особље
portal-nav-shifts = Смене
portal-nav-events = Дневник догађаја
portal-nav-analytics = Аналитика
portal-nav-settings = Подешавања
portal-nav-pos = Каса

## Гости

portal-guests-title = Гости
portal-guests-count =
    { $count ->
        [one] { $count } гост
        [few] { $count } госта
       *[other] { $count } гостију
    }
portal-guest-name = Име
portal-guest-phone = Телефон
portal-guest-tier = Ниво
portal-guest-balance = Стање
portal-guest-last-visit = Последња посета
portal-guest-joined = Члан од
portal-guest-language = Језик
portal-guest-channels = Апликације
portal-guest-adjust = Исправи стање
portal-guest-adjust-reason = Разлог (гост га види у историји)

## Кафићи

portal-cafes-title = Кафићи
portal-cafe-name = Назив
portal-cafe-address = Адреса
portal-cafe-timezone = Временска зона
portal-cafe-currency = Валута
portal-cafe-hours = Радно време
portal-cafe-closed = Затворено

## Програми

portal-programs-title = Програми верности
portal-program-kind = Врста
portal-program-kind-points = Поени
portal-program-kind-stamps = Печати
portal-program-scope = Важи у
portal-program-scope-chain = Свим кафићима
portal-program-scope-cafe = Једном кафићу
portal-program-rules = Правила сакупљања
portal-program-tiers = Нивои
portal-program-rewards = Награде
portal-program-expiry = Поени истичу после
portal-program-expiry-days =
    { $days ->
        [one] { $days } дан
        [few] { $days } дана
       *[other] { $days } дана
    }

## Особље и смене

portal-staff-title = Особље
portal-staff-role = Улога
portal-role-owner = Власник
portal-role-manager = Менаџер
portal-role-barista = Бариста
portal-staff-invite = Позови запосленог
portal-shifts-title = Смене
portal-shift-open = Отворена
portal-shift-closed = Затворена
portal-shift-opened-by = Отворио/la
portal-shift-opened-at = Отворена
portal-shift-closed-at = Затворена
portal-shift-actions =
    { $count ->
        [one] { $count } операција
        [few] { $count } операције
       *[other] { $count } операција
    }

## Дневник догађаја

portal-events-title = Дневник догађаја
portal-event-time = Време
portal-event-actor = Ко
portal-event-action = Шта
portal-event-guest = Гост
portal-event-cafe = Кафић

## Аналитика

portal-analytics-title = Аналитика
portal-analytics-active-guests = Активни гости
portal-analytics-new-guests = Нови гости
portal-analytics-visits = Посете
portal-analytics-repeat-rate = Вратили су се
portal-analytics-points-issued = Додељени поени
portal-analytics-points-redeemed = Искоришћени поени
portal-analytics-member-revenue = Промет чланова
portal-analytics-average-check = Просечан рачун
portal-analytics-period = Период

## Поруке за све госте

portal-nav-broadcasts = Масовне поруке
portal-broadcast-new = Нова порука
portal-broadcast-text = Текст поруке
portal-broadcast-language = Језик
portal-broadcast-second-language = Други језик (није обавезно)
portal-broadcast-bilingual-hint = Гости добијају оба језика у једној поруци, одвојена линијом.
portal-broadcast-recipients =
    { $count ->
        [one] { $count } прималац
        [few] { $count } примаоца
       *[other] { $count } прималаца
    }
portal-broadcast-send = Пошаљи
portal-broadcast-sent = Послато.

## Каса

portal-pos-title = Каса
portal-pos-scan = Скенирајте гостов ко̂д
portal-pos-code = Ко̂д од 6 цифара
portal-pos-amount = Износ куповине
portal-pos-add = Додај куповину

## Грешке

portal-error-not-found = Ова страница не постоји.
portal-error-forbidden = Немате приступ овој страници.
portal-error-session-expired = Сесија је истекла. Пријавите се поново.
portal-error-save-failed = Чување није успело. Проверите поља означена црвеном и покушајте поново.
portal-error-sign-in = Погрешно корисничко име или лозинка.

## Страница стања сервера (GET /)

portal-status-title = Regulars ради
portal-status-storage = Складиште: { $backend }.
portal-status-health = Стање
portal-status-readiness = Спремност
portal-status-chain = Ланац
portal-status-slug = Кратко име
portal-status-no-chains = Још нема ланаца: покрените { $command }.

## Портал фраме, сигн-ин анд филтерс

portal-login = Корисничко име
portal-skip-to-content = Пређи на садржај
portal-nav-label = Делови портала
portal-chain = Ланац
portal-switch = Промени
portal-language = Језик
portal-filter-cafe = Кафић
portal-filter-all-cafes = Сви кафићи
portal-apply = Примени
portal-export-csv = Извези CSV
portal-next-page = Следећа страна
portal-sort-by = Поређај по:
portal-error-bad-request = Нешто у адреси није у реду.
portal-error-too-many = Превише покушаја. Сачекајте минут и покушајте поново.
portal-error-server = Нешто је пошло наопако код нас. Покушајте поново за тренутак.

## Дасхбоард

portal-dash-period = Период
portal-dash-last-days =
    { $days ->
        [one] Последњи { $days } дан
        [few] Последња { $days } дана
       *[other] Последњих { $days } дана
    }
portal-dash-figures = Показатељи
portal-dash-vs-previous = У односу на претходни период
portal-dash-total-guests = Гости
portal-dash-new-guests = Нови гости
portal-dash-orders = Поруџбине
portal-dash-revenue = Приход
portal-dash-average-check = Просечан рачун
portal-dash-points-issued = Додељени поени
portal-dash-rewards-redeemed = Искоришћене награде
portal-dash-reward-eligible = Могу одмах да узму награду
portal-dash-referrals = Дошли на позив
portal-dash-repeat-guests = Вратили су се (2+ посете)
portal-dash-orders-per-week = Поруџбине по недељама
portal-dash-revenue-per-day = Приход по данима
portal-dash-recent-activity = Скорашња дешавања
portal-activity-purchase = Куповина од { $amount }
portal-activity-reward-issued = Награда додељена
portal-activity-reward-used = Награда искоришћена
portal-activity-joined = Придружио се нови гост
portal-activity-tier = Гост је достигао ниво { $tier }

## Гуест лист

portal-guest-public-id = Картица
portal-guests-spend = Потрошња
portal-guests-reward = Награда
portal-guests-reward-ready = Спремна
portal-guests-search-hint = Телефон, име или картица

## Аналyтицс паге

portal-analytics-visit-frequency = Поруџбина по госту
portal-analytics-orders-per-month = Поруџбине по месецима
portal-analytics-average-check-per-month = Просечан рачун по месецима
portal-analytics-cohorts = Ко се враћа: гости по месецу прве посете
portal-analytics-cohorts-hint = Сваки ред су гости који су први пут купили тог месеца; свака колона је удео оних који су поново купили толико месеци касније.
portal-analytics-cohort-size = Гости
portal-analytics-month = Месец
portal-analytics-months = Месец по месец
portal-analytics-busiest-hours = Најпрометнији сати (поруџбине, последњих 12 недеља)
portal-analytics-cafes = Кафићи један поред другог (последњих 30 дана)
portal-analytics-visitors = Гости који су купили
portal-weekday-mon = пон
portal-weekday-tue = уто
portal-weekday-wed = сре
portal-weekday-thu = чет
portal-weekday-fri = пет
portal-weekday-sat = суб
portal-weekday-sun = нед

## А гуест'с паге

portal-guest-title = Гост
portal-guest-home-cafe = Матични кафић
portal-guest-next-tier = још { $points } до нивоа { $tier }
portal-guest-amount = Поени или печати (минус за скидање)
portal-guest-adjusted = Стање је измењено.
portal-guest-kind = Ставка
portal-guest-change = Промена
portal-guest-after = Стање после
portal-guest-reason = Разлог
portal-guest-rule = Примењена правила
portal-guest-rule-show = Прикажи
portal-guest-purchases = Куповине
portal-guest-receipt = Рачун
portal-guest-total = Износ
portal-guest-items = Ставке

## Евент лог паге

portal-events-kind = Шта
portal-events-all = Све
portal-events-sales = Продаје и повраћаји
portal-events-rewards = Награде
portal-events-wallets = Рачуни и нивои
portal-events-guests = Гости
portal-events-audit = Радње администрације
portal-events-staff = Особље
portal-events-shifts = Смене
portal-events-since = Од
portal-events-until = До
portal-events-subject = О чему
portal-events-details = Детаљи

## Ордерс анд лоyалтy пагес, мергес

portal-nav-orders = Поруџбине
portal-nav-loyalty = Лојалност
portal-orders-title = Поруџбине
portal-orders-source = Каса
portal-orders-refunded = Враћено
portal-orders-on-shift = У смени
portal-loyalty-title = Лојалност
portal-loyalty-program = Програм
portal-loyalty-scope-hint = Стања и нивои су програмски, у свим кафићима; филтер кафића сужава највеће потрошаче и награде.
portal-loyalty-balances = Расподела стања
portal-loyalty-balance-range = Стање
portal-loyalty-wallets = Гостију
portal-loyalty-tiers = Нивои
portal-loyalty-share = Удео
portal-loyalty-no-tier = Још без нивоа
portal-loyalty-eligible = Могу сада да узму награду
portal-loyalty-no-rewards = Овај програм још нема награде.
portal-loyalty-eligible-hint = гостију има { $cost } или више, колико кошта најјефтинија награда
portal-loyalty-top-balance = Највећа стања
portal-loyalty-top-spend = Највећи потрошачи
portal-loyalty-rewards = Награде у последњих 30 дана
portal-loyalty-reward = Награда
portal-loyalty-issued = Издато
portal-loyalty-used = Искоришћено
portal-loyalty-waiting = Чека
portal-loyalty-cancelled = Отказано
portal-loyalty-expired = Истекло
portal-loyalty-figure = Износ
portal-guest-merged = Две картице су сада један гост.
portal-guest-merges = Спојене картице
portal-guest-no-merges = Ниједна друга картица није спојена са овим гостом.
portal-guest-merge-card = Код картице исте особе
portal-guest-merge = Споји са овим гостом
portal-guest-merge-hint = Месинџери, куповине и стања прелазе овде; друга картица престаје да ради. Не може да се поништи.
portal-events-by-staff = Запослени
portal-events-everyone = Сви
