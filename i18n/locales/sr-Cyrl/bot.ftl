# GENERATED from sr-Latn/bot.ftl by i18n/scripts/sr-latn-to-cyrl.py; edit sr-Latn instead.
# Разговор госта са ботом. Променљиве су исте као у en/bot.ftl.
# Српски: латиница је у sr-Latn/, ћирилица у sr-Cyrl/ (генерише се из латинице).

## Добродошлица и пријава

bot-welcome =
    Здраво, { $name }! Добро дошли у програм верности { $chain }.
    Скупљајте поене уз сваку поруџбину и добијајте посластице на рачун куће.
bot-welcome-back = Драго нам је што сте опет ту, { $name }!
bot-choose-language = На ком језику желите да разговарамо?
bot-language-name = Српски (ћирилица)
bot-language-set = Важи! Од сада пишем на српском.
bot-choose-cafe = Који наш кафић најчешће посећујете? То можете променити било када.
bot-cafe-chosen = { $cafe } је сада ваш омиљени кафић.
bot-share-phone =
    Поделите са нама свој број телефона. Тако се картица неће изгубити ако промените телефон или апликацију, а бариста ће вас брзо пронаћи на каси.
bot-share-phone-button = Подели мој број
bot-type-phone = Упишите свој број телефона у међународном формату, нпр. +381601234567. Или додирните „Прескочи”.
bot-phone-invalid = То не личи на број телефона. Упишите га у међународном формату, нпр. +381601234567.
bot-phone-saved = Хвала! Ваш број телефона је сачуван.
bot-consent =
    Да би картица радила, { $chain } чува ваш број телефона и историју посета. Никоме их не продајемо и не шаљемо спам, а картицу можете обрисати било када у одељку „Помоћ”.
bot-consent-accept = Слажем се
bot-consent-decline = Не, хвала
bot-consent-declined = Нема проблема. Кафиће и акције можете да видите и без картице. Кад пожелите картицу, пошаљите /start.
bot-card-ready = Све је спремно, { $name }! Ваша картица је направљена. Покажите је на каси да бисте скупљали поене.
bot-card-found = Добро дошли назад, { $name }! Већ имате нашу картицу преко другог месинџера: ево је, са вашим поенима.
bot-cards-merged = Нашли смо другу картицу са овим бројем телефона и спојили их: све што сте скупили сада је на једној картици.
bot-skip = Прескочи
bot-back = Назад

## Картица

bot-card-title = Ваша { $chain } картица
bot-card-balance =
    { $balance ->
        [one] Стање: { $balance } поен
        [few] Стање: { $balance } поена
       *[other] Стање: { $balance } поена
    }
bot-card-stamps = Печати: { $stamps } од { $stamps_total }
bot-card-stamps-left =
    { $stamps_left ->
        [one] Још { $stamps_left } печат и следећа кафа је на нас!
        [few] Још { $stamps_left } печата до бесплатне кафе.
       *[other] Још { $stamps_left } печата до бесплатне кафе.
    }
bot-card-tier = Ниво: { $tier }
bot-card-tier-progress =
    { $points_needed ->
        [one] До нивоа { $tier } вам недостаје још { $points_needed } поен.
        [few] До нивоа { $tier } вам недостају још { $points_needed } поена.
       *[other] До нивоа { $tier } вам недостаје још { $points_needed } поена.
    }
bot-card-tier-top = На највишем сте нивоу. Хвала што сте наш стални гост!
bot-card-reward-progress =
    { $points_needed ->
        [one] Још { $points_needed } поен до награде „{ $reward }”.
        [few] Још { $points_needed } поена до награде „{ $reward }”.
       *[other] Још { $points_needed } поена до награде „{ $reward }”.
    }
bot-card-reward-ready = Чека вас „{ $reward }”! Покажите картицу на каси да бисте је преузели.
bot-card-code = Покажите ово на каси. Ко̂д: { $code }
bot-card-code-hint = Ко̂д се мења на сваких 30 секунди. Ако бариста не може да га скенира, додирните „Освежи”.
bot-card-staff-link = За особље: { $link }
bot-card-refresh = Освежи

## Главни мени

bot-menu-prompt = Шта желите да урадите?
bot-menu-card = Моја картица
bot-menu-history = Историја
bot-menu-promotions = Акције
bot-menu-cafes = Кафићи
bot-menu-invite = Позови пријатеља
bot-menu-language = Језик
bot-menu-help = Помоћ

## Историја

bot-history-title = Ваша историја
bot-history-empty = Овде још нема ничега. Ваша прва посета појавиће се овде.
bot-history-page = Страна { $page } од { $pages }
bot-history-newer = ‹ Новије
bot-history-older = Старије ›
bot-history-earn =
    { $date } · { $points ->
        [one] +{ $points } поен
        [few] +{ $points } поена
       *[other] +{ $points } поена
    } у кафићу { $cafe }
bot-history-stamp = { $date } · печат у кафићу { $cafe }
bot-history-redeem = { $date } · „{ $reward }” у кафићу { $cafe } (−{ $points })
bot-history-expire =
    { $date } · { $points ->
        [one] истекао је { $points } поен
        [few] истекла су { $points } поена
       *[other] истекло је { $points } поена
    }
bot-history-adjust = { $date } · стање исправљено за { $delta }: { $reason }
bot-history-refund =
    { $date } · повраћај у кафићу { $cafe }, { $points ->
        [one] одузет је { $points } поен
        [few] одузета су { $points } поена
       *[other] одузето је { $points } поена
    }
bot-history-bonus =
    { $date } · { $points ->
        [one] +{ $points } бонус поен
        [few] +{ $points } бонус поена
       *[other] +{ $points } бонус поена
    }: { $kind ->
        [referral] придружио вам се пријатељ
        [birthday] срећан рођендан!
       *[promotion] акција
    }

## Акције

bot-promotions-title = Акције
bot-promotions-none = Тренутно нема акција. Јавићемо вам чим се појави нешто укусно.
bot-promotion-until = До { $date }
bot-invited-by = { $friend } вас позива! Придружите се, обавите прву куповину и обоје добијате бонус поене.

## Кафићи

bot-cafes-title = Наши кафићи
bot-cafe-address = { $cafe }, { $address }
bot-cafe-hours = Данас: { $opens }–{ $closes }
bot-cafe-open-now = Отворено до { $closes }
bot-cafe-closed-now = Сада је затворено, отвара се у { $opens }
bot-cafe-closed-today = Данас је затворено
bot-cafe-directions = Како да стигнете

## Позови пријатеља

bot-invite =
    { $points ->
        [one] Позовите пријатеља у програм верности { $chain }! Кад се пријави преко вашег линка и обави прву куповину, обоје добијате по { $points } бонус поен.
        [few] Позовите пријатеља у програм верности { $chain }! Кад се пријави преко вашег линка и обави прву куповину, обоје добијате по { $points } бонус поена.
       *[other] Позовите пријатеља у програм верности { $chain }! Кад се пријави преко вашег линка и обави прву куповину, обоје добијате по { $points } бонус поена.
    }
bot-invite-link = Ваш линк: { $link }
bot-invite-no-bonus = Позовите пријатеља у { $chain }! Пошаљите му свој лични линк: кад се придружи преко њега, знаћемо да је дошао од вас.
bot-invite-share = Подели линк
bot-invite-count =
    { $friends ->
        [0] Још вам се није придружио ниједан пријатељ.
        [one] До сада вам се придружио { $friends } пријатељ.
        [few] До сада су вам се придружила { $friends } пријатеља.
       *[other] До сада вам се придружило { $friends } пријатеља.
    }

## Језик и помоћ

bot-language-prompt = Изаберите језик:
bot-help =
    Чувам вашу { $chain } картицу верности.
    • Моја картица: стање и ко̂д за касу
    • Историја: шта сте скупили и потрошили
    • Кафићи: адресе и радно време
    • Позови пријатеља: бонус поени за обоје
    Имате питање? Слободно питајте баристу.
bot-help-delete = Обриши моју картицу
bot-delete-confirm = Да обришемо картицу и све поене на њој? Ово не може да се поништи.
bot-deleted = Ваша картица и подаци су обрисани. Хвала на посетама, { $name }!
bot-fallback = Извините, нисам разумео. Додирните неко од дугмади испод или пошаљите /help да видите шта све умем.
bot-stale-button = То дугме је из старије поруке. Ево шта сада можете:
bot-phone-code-sent = Картица са овим бројем већ постоји код нас. Да бисте јој се придружили, укуцајте шестоцифрени код који смо управо послали тој картици у { $messenger }.
bot-phone-code-wrong = Код се не поклапа. { $left ->
        [one] Још { $left } покушај.
        [few] Још { $left } покушаја.
       *[other] Још { $left } покушаја.
    }
bot-phone-code-failed = Код се није поклопио, па картице нисмо спојили. Можете наставити без броја телефона.
bot-phone-code-expired = Код је истекао, па картице нисмо спојили. Можете наставити без броја телефона.
