# GENERATED from sr-Latn/notifications.ftl by i18n/scripts/sr-latn-to-cyrl.py; edit sr-Latn instead.
# Поруке које платформа шаље сама. $amount је већ форматиран износ („1.234,50 RSD”).

notify-points-earned =
    { $points ->
        [one] +{ $points } поен за поруџбину од { $amount }. Хвала вам!
        [few] +{ $points } поена за поруџбину од { $amount }. Хвала вам!
       *[other] +{ $points } поена за поруџбину од { $amount }. Хвала вам!
    }
    { $balance ->
        [one] Ваше стање: { $balance } поен.
        [few] Ваше стање: { $balance } поена.
       *[other] Ваше стање: { $balance } поена.
    }
notify-progress-reward =
    { $points_needed ->
        [one] Још само { $points_needed } поен до награде „{ $reward }”.
        [few] Још само { $points_needed } поена до награде „{ $reward }”.
       *[other] Још само { $points_needed } поена до награде „{ $reward }”.
    }
notify-progress-tier =
    { $points_needed ->
        [one] Још { $points_needed } поен и прелазите на ниво { $tier }.
        [few] Још { $points_needed } поена и прелазите на ниво { $tier }.
       *[other] Још { $points_needed } поена и прелазите на ниво { $tier }.
    }
notify-stamp-earned = Добили сте печат у кафићу { $cafe }! { $stamps } од { $stamps_total }.
notify-stamp-card-full = Картица је пуна, па је следећа кафа на нас! Покажите картицу на каси.
notify-reward-unlocked = Откључали сте награду „{ $reward }”! Покажите картицу на каси да бисте је преузели.
notify-reward-redeemed =
    Пријатно уз „{ $reward }”!
    { $balance ->
        [one] Преостало стање: { $balance } поен.
        [few] Преостало стање: { $balance } поена.
       *[other] Преостало стање: { $balance } поена.
    }
notify-stamp-reward-redeemed =
    Пријатно уз „{ $reward }”!
    Печата на картици: { $stamps }.
notify-tier-up = Честитамо, { $name }! Сада сте на нивоу { $tier }.
notify-tier-benefits = Ваше погодности: { $benefits }
notify-points-expiring =
    { $points ->
        [one] { $date } истиче вам { $points } поен. Свратите и почастите се!
        [few] { $date } истичу вам { $points } поена. Свратите и почастите се!
       *[other] { $date } истиче вам { $points } поена. Свратите и почастите се!
    }
notify-points-expired =
    { $points ->
        [one] Истекао је { $points } поен.
        [few] Истекла су { $points } поена.
       *[other] Истекло је { $points } поена.
    }
notify-referral-bonus =
    { $points ->
        [one] Прва куповина по вашем позиву: { $friend }! Добили сте { $points } бонус поен!
        [few] Прва куповина по вашем позиву: { $friend }! Добили сте { $points } бонус поена!
       *[other] Прва куповина по вашем позиву: { $friend }! Добили сте { $points } бонус поена!
    }
notify-birthday = Срећан рођендан, { $name }! На вашој картици чека вас мали поклон. { $chain } вам жели све најбоље!
notify-refund =
    { $points ->
        [one] Куповина у кафићу { $cafe } је враћена, па је одузет { $points } поен.
        [few] Куповина у кафићу { $cafe } је враћена, па су одузета { $points } поена.
       *[other] Куповина у кафићу { $cafe } је враћена, па је одузето { $points } поена.
    }
notify-unsubscribe = Ако не желите ове поруке, пошаљите /stop. Картица наставља да ради.
notify-phone-code = Неко се придружује вашој картици из апликације { $messenger } са вашим бројем телефона. Ако сте то ви, укуцајте тамо овај код: { $code }. Ако нисте, занемарите ову поруку: ништа се неће променити.
