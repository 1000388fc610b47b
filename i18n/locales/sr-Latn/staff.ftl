# Režim osoblja: baristi i menadžeri uslužuju gosta preko aplikacije za poruke.

staff-mode = Režim osoblja · { $cafe }
staff-guest-opened = { $name } · { $tier }
staff-guest-balance =
    { $balance ->
        [one] Stanje: { $balance } poen
        [few] Stanje: { $balance } poena
       *[other] Stanje: { $balance } poena
    }
staff-guest-phone = Telefon se završava na { $phone_last }
staff-guest-reward-ready = Ima spremnu nagradu: { $reward }
staff-earn-amount = Dodaj kupovinu
staff-earn-visit = Zabeleži posetu
staff-earn-prompt = Iznos kupovine u { $currency }:
staff-earn-confirm = Dodati kupovinu od { $amount } gostu { $name }?
staff-visit-confirm = Zabeležiti posetu gostu { $name }?
staff-earn-done =
    { $points ->
        [one] Dodat je { $points } poen za { $amount }. { $name } sada ima { $balance }.
        [few] Dodata su { $points } poena za { $amount }. { $name } sada ima { $balance }.
       *[other] Dodato je { $points } poena za { $amount }. { $name } sada ima { $balance }.
    }
staff-visit-done = Poseta je zabeležena. { $name } ima { $stamps } od { $stamps_total } pečata.
staff-redeem = Iskoristi nagradu
staff-redeem-prompt = Koju nagradu?
staff-redeem-option =
    { $cost ->
        [one] { $reward } · { $cost } poen
        [few] { $reward } · { $cost } poena
       *[other] { $reward } · { $cost } poena
    }
staff-redeem-confirm =
    { $cost ->
        [one] Dati gostu { $name } „{ $reward }” za { $cost } poen?
        [few] Dati gostu { $name } „{ $reward }” za { $cost } poena?
       *[other] Dati gostu { $name } „{ $reward }” za { $cost } poena?
    }
staff-redeem-done = Gotovo: „{ $reward }” za gosta { $name }. Preostalo stanje: { $balance }.
staff-redeem-short =
    { $points_needed ->
        [one] Gostu { $name } nedostaje još { $points_needed } poen za „{ $reward }”.
        [few] Gostu { $name } nedostaju još { $points_needed } poena za „{ $reward }”.
       *[other] Gostu { $name } nedostaje još { $points_needed } poena za „{ $reward }”.
    }
staff-confirm = Potvrdi
staff-cancel = Otkaži
staff-cancelled = Otkazano, ništa nije promenjeno.
staff-redeem-none = Gost { $name } još nema nagrada za preuzimanje.
staff-shift-required = Prvo otvorite smenu: svaka prodaja i nagrada se beleže u smenu.
staff-shift-open = Otvori smenu
staff-shift-close = Zatvori smenu
staff-shift-opened = Smena je otvorena u kafiću { $cafe }, { $time }.
staff-shift-closed =
    { $actions ->
        [0] Smena je zatvorena. Tokom smene nije bilo operacija.
        [one] Smena je zatvorena. Zabeležena je { $actions } operacija.
        [few] Smena je zatvorena. Zabeležene su { $actions } operacije.
       *[other] Smena je zatvorena. Zabeleženo je { $actions } operacija.
    }
staff-code-prompt = Skenirajte gostov QR kôd ili ukucajte 6 cifara sa njegove kartice.
staff-code-used = Ovaj kôd je već iskorišćen. Zamolite gosta da dodirne „Osveži” i pokaže novi kôd.
staff-code-expired = Ovaj kôd je istekao. Zamolite gosta da dodirne „Osveži” na kartici.
staff-code-wrong =
    { $attempts_left ->
        [one] Pogrešan kôd. Preostao je { $attempts_left } pokušaj.
        [few] Pogrešan kôd. Preostala su { $attempts_left } pokušaja.
       *[other] Pogrešan kôd. Preostalo je { $attempts_left } pokušaja.
    }
staff-code-locked =
    { $minutes ->
        [one] Previše pogrešnih kodova. Unos kodova je zaključan { $minutes } minut; skenirajte QR kôd.
        [few] Previše pogrešnih kodova. Unos kodova je zaključan { $minutes } minuta; skenirajte QR kôd.
       *[other] Previše pogrešnih kodova. Unos kodova je zaključan { $minutes } minuta; skenirajte QR kôd.
    }
staff-code-ambiguous = Ovaj kôd odgovara za više gostiju. Pitajte za poslednje 4 cifre broja telefona.
staff-phone-digits-prompt = Poslednje 4 cifre gostovog telefona:
staff-guest-not-found = Gost nije pronađen. Proverite kôd i pokušajte ponovo.
staff-only = Ovaj link je samo za osoblje.
staff-duplicate-tap = Ovo je već zabeleženo pre trenutak, pa nije dodato dvaput.
staff-exit = Izađi iz režima osoblja
