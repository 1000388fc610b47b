# Poruke koje platforma šalje sama. $amount je već formatiran iznos („1.234,50 RSD”).

notify-points-earned =
    { $points ->
        [one] +{ $points } poen za porudžbinu od { $amount }. Hvala vam!
        [few] +{ $points } poena za porudžbinu od { $amount }. Hvala vam!
       *[other] +{ $points } poena za porudžbinu od { $amount }. Hvala vam!
    }
    { $balance ->
        [one] Vaše stanje: { $balance } poen.
        [few] Vaše stanje: { $balance } poena.
       *[other] Vaše stanje: { $balance } poena.
    }
notify-progress-reward =
    { $points_needed ->
        [one] Još samo { $points_needed } poen do nagrade „{ $reward }”.
        [few] Još samo { $points_needed } poena do nagrade „{ $reward }”.
       *[other] Još samo { $points_needed } poena do nagrade „{ $reward }”.
    }
notify-progress-tier =
    { $points_needed ->
        [one] Još { $points_needed } poen i prelazite na nivo { $tier }.
        [few] Još { $points_needed } poena i prelazite na nivo { $tier }.
       *[other] Još { $points_needed } poena i prelazite na nivo { $tier }.
    }
notify-stamp-earned = Dobili ste pečat u kafiću { $cafe }! { $stamps } od { $stamps_total }.
notify-stamp-card-full = Kartica je puna, pa je sledeća kafa na nas! Pokažite karticu na kasi.
notify-reward-unlocked = Otključali ste nagradu „{ $reward }”! Pokažite karticu na kasi da biste je preuzeli.
notify-reward-redeemed =
    Prijatno uz „{ $reward }”!
    { $balance ->
        [one] Preostalo stanje: { $balance } poen.
        [few] Preostalo stanje: { $balance } poena.
       *[other] Preostalo stanje: { $balance } poena.
    }
notify-stamp-reward-redeemed =
    Prijatno uz „{ $reward }”!
    Pečata na kartici: { $stamps }.
notify-tier-up = Čestitamo, { $name }! Sada ste na nivou { $tier }.
notify-tier-benefits = Vaše pogodnosti: { $benefits }
notify-points-expiring =
    { $points ->
        [one] { $date } ističe vam { $points } poen. Svratite i počastite se!
        [few] { $date } ističu vam { $points } poena. Svratite i počastite se!
       *[other] { $date } ističe vam { $points } poena. Svratite i počastite se!
    }
notify-points-expired =
    { $points ->
        [one] Istekao je { $points } poen.
        [few] Istekla su { $points } poena.
       *[other] Isteklo je { $points } poena.
    }
notify-referral-bonus =
    { $points ->
        [one] Prva kupovina po vašem pozivu: { $friend }! Dobili ste { $points } bonus poen!
        [few] Prva kupovina po vašem pozivu: { $friend }! Dobili ste { $points } bonus poena!
       *[other] Prva kupovina po vašem pozivu: { $friend }! Dobili ste { $points } bonus poena!
    }
notify-birthday = Srećan rođendan, { $name }! Na vašoj kartici čeka vas mali poklon. { $chain } vam želi sve najbolje!
notify-refund =
    { $points ->
        [one] Kupovina u kafiću { $cafe } je vraćena, pa je oduzet { $points } poen.
        [few] Kupovina u kafiću { $cafe } je vraćena, pa su oduzeta { $points } poena.
       *[other] Kupovina u kafiću { $cafe } je vraćena, pa je oduzeto { $points } poena.
    }
notify-unsubscribe = Ako ne želite ove poruke, pošaljite /stop. Kartica nastavlja da radi.
notify-phone-code = Neko se pridružuje vašoj kartici iz aplikacije { $messenger } sa vašim brojem telefona. Ako ste to vi, ukucajte tamo ovaj kod: { $code }. Ako niste, zanemarite ovu poruku: ništa se neće promeniti.
