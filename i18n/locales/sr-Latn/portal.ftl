# Portal za vlasnike i veb-kasa.

portal-app-name = Regulars
portal-sign-in = Prijava
portal-sign-out = Odjava
portal-email = Imejl
portal-password = Lozinka
portal-search = Pretraga
portal-save = Sačuvaj
portal-cancel = Otkaži
portal-add = Dodaj
portal-edit = Izmeni
portal-delete = Obriši
portal-back = Nazad
portal-saved = Sačuvano.
portal-empty = Ovde još nema ničega.
portal-page = Strana { $page } od { $pages }
portal-loading = Učitava se…

## Navigacija

portal-nav-dashboard = Pregled
portal-nav-guests = Gosti
portal-nav-cafes = Kafići
portal-nav-programs = Programi
portal-nav-staff = Osoblje
portal-nav-shifts = Smene
portal-nav-events = Dnevnik događaja
portal-nav-analytics = Analitika
portal-nav-settings = Podešavanja
portal-nav-pos = Kasa

## Gosti

portal-guests-title = Gosti
portal-guests-count =
    { $count ->
        [one] { $count } gost
        [few] { $count } gosta
       *[other] { $count } gostiju
    }
portal-guest-name = Ime
portal-guest-phone = Telefon
portal-guest-tier = Nivo
portal-guest-balance = Stanje
portal-guest-last-visit = Poslednja poseta
portal-guest-joined = Član od
portal-guest-language = Jezik
portal-guest-channels = Aplikacije
portal-guest-adjust = Ispravi stanje
portal-guest-adjust-reason = Razlog (gost ga vidi u istoriji)

## Kafići

portal-cafes-title = Kafići
portal-cafe-name = Naziv
portal-cafe-address = Adresa
portal-cafe-timezone = Vremenska zona
portal-cafe-currency = Valuta
portal-cafe-hours = Radno vreme
portal-cafe-closed = Zatvoreno

## Programi

portal-programs-title = Programi vernosti
portal-program-kind = Vrsta
portal-program-kind-points = Poeni
portal-program-kind-stamps = Pečati
portal-program-scope = Važi u
portal-program-scope-chain = Svim kafićima
portal-program-scope-cafe = Jednom kafiću
portal-program-rules = Pravila sakupljanja
portal-program-tiers = Nivoi
portal-program-rewards = Nagrade
portal-program-expiry = Poeni ističu posle
portal-program-expiry-days =
    { $days ->
        [one] { $days } dan
        [few] { $days } dana
       *[other] { $days } dana
    }

## Osoblje i smene

portal-staff-title = Osoblje
portal-staff-role = Uloga
portal-role-owner = Vlasnik
portal-role-manager = Menadžer
portal-role-barista = Barista
portal-staff-invite = Pozovi zaposlenog
portal-shifts-title = Smene
portal-shift-open = Otvorena
portal-shift-closed = Zatvorena
portal-shift-opened-by = Otvorio/la
portal-shift-opened-at = Otvorena
portal-shift-closed-at = Zatvorena
portal-shift-actions =
    { $count ->
        [one] { $count } operacija
        [few] { $count } operacije
       *[other] { $count } operacija
    }

## Dnevnik događaja

portal-events-title = Dnevnik događaja
portal-event-time = Vreme
portal-event-actor = Ko
portal-event-action = Šta
portal-event-guest = Gost
portal-event-cafe = Kafić

## Analitika

portal-analytics-title = Analitika
portal-analytics-active-guests = Aktivni gosti
portal-analytics-new-guests = Novi gosti
portal-analytics-visits = Posete
portal-analytics-repeat-rate = Vratili su se
portal-analytics-points-issued = Dodeljeni poeni
portal-analytics-points-redeemed = Iskorišćeni poeni
portal-analytics-member-revenue = Promet članova
portal-analytics-average-check = Prosečan račun
portal-analytics-period = Period

## Poruke za sve goste

portal-nav-broadcasts = Masovne poruke
portal-broadcast-new = Nova poruka
portal-broadcast-text = Tekst poruke
portal-broadcast-language = Jezik
portal-broadcast-second-language = Drugi jezik (nije obavezno)
portal-broadcast-bilingual-hint = Gosti dobijaju oba jezika u jednoj poruci, odvojena linijom.
portal-broadcast-recipients =
    { $count ->
        [one] { $count } primalac
        [few] { $count } primaoca
       *[other] { $count } primalaca
    }
portal-broadcast-send = Pošalji
portal-broadcast-sent = Poslato.

## Kasa

portal-pos-title = Kasa
portal-pos-scan = Skenirajte gostov kôd
portal-pos-code = Kôd od 6 cifara
portal-pos-amount = Iznos kupovine
portal-pos-add = Dodaj kupovinu

## Greške

portal-error-not-found = Ova stranica ne postoji.
portal-error-forbidden = Nemate pristup ovoj stranici.
portal-error-session-expired = Sesija je istekla. Prijavite se ponovo.
portal-error-save-failed = Čuvanje nije uspelo. Proverite polja označena crvenom i pokušajte ponovo.
portal-error-sign-in = Pogrešno korisničko ime ili lozinka.

## Stranica stanja servera (GET /)

portal-status-title = Regulars radi
portal-status-storage = Skladište: { $backend }.
portal-status-health = Stanje
portal-status-readiness = Spremnost
portal-status-chain = Lanac
portal-status-slug = Kratko ime
portal-status-no-chains = Još nema lanaca: pokrenite { $command }.

## Portal frame, sign-in and filters

portal-login = Korisničko ime
portal-skip-to-content = Pređi na sadržaj
portal-nav-label = Delovi portala
portal-chain = Lanac
portal-switch = Promeni
portal-language = Jezik
portal-filter-cafe = Kafić
portal-filter-all-cafes = Svi kafići
portal-apply = Primeni
portal-export-csv = Izvezi CSV
portal-next-page = Sledeća strana
portal-sort-by = Poređaj po:
portal-error-bad-request = Nešto u adresi nije u redu.
portal-error-too-many = Previše pokušaja. Sačekajte minut i pokušajte ponovo.
portal-error-server = Nešto je pošlo naopako kod nas. Pokušajte ponovo za trenutak.

## Dashboard

portal-dash-period = Period
portal-dash-last-days =
    { $days ->
        [one] Poslednji { $days } dan
        [few] Poslednja { $days } dana
       *[other] Poslednjih { $days } dana
    }
portal-dash-figures = Pokazatelji
portal-dash-vs-previous = U odnosu na prethodni period
portal-dash-total-guests = Gosti
portal-dash-new-guests = Novi gosti
portal-dash-orders = Porudžbine
portal-dash-revenue = Prihod
portal-dash-average-check = Prosečan račun
portal-dash-points-issued = Dodeljeni poeni
portal-dash-rewards-redeemed = Iskorišćene nagrade
portal-dash-reward-eligible = Mogu odmah da uzmu nagradu
portal-dash-referrals = Došli na poziv
portal-dash-repeat-guests = Vratili su se (2+ posete)
portal-dash-orders-per-week = Porudžbine po nedeljama
portal-dash-revenue-per-day = Prihod po danima
portal-dash-recent-activity = Skorašnja dešavanja
portal-activity-purchase = Kupovina od { $amount }
portal-activity-reward-issued = Nagrada dodeljena
portal-activity-reward-used = Nagrada iskorišćena
portal-activity-joined = Pridružio se novi gost
portal-activity-tier = Gost je dostigao nivo { $tier }

## Guest list

portal-guest-public-id = Kartica
portal-guests-spend = Potrošnja
portal-guests-reward = Nagrada
portal-guests-reward-ready = Spremna
portal-guests-search-hint = Telefon, ime ili kartica

## Analytics page

portal-analytics-visit-frequency = Porudžbina po gostu
portal-analytics-orders-per-month = Porudžbine po mesecima
portal-analytics-average-check-per-month = Prosečan račun po mesecima
portal-analytics-cohorts = Ko se vraća: gosti po mesecu prve posete
portal-analytics-cohorts-hint = Svaki red su gosti koji su prvi put kupili tog meseca; svaka kolona je udeo onih koji su ponovo kupili toliko meseci kasnije.
portal-analytics-cohort-size = Gosti
portal-analytics-month = Mesec
portal-analytics-months = Mesec po mesec
portal-analytics-busiest-hours = Najprometniji sati (porudžbine, poslednjih 12 nedelja)
portal-analytics-cafes = Kafići jedan pored drugog (poslednjih 30 dana)
portal-analytics-visitors = Gosti koji su kupili
portal-weekday-mon = pon
portal-weekday-tue = uto
portal-weekday-wed = sre
portal-weekday-thu = čet
portal-weekday-fri = pet
portal-weekday-sat = sub
portal-weekday-sun = ned

## A guest's page

portal-guest-title = Gost
portal-guest-home-cafe = Matični kafić
portal-guest-next-tier = još { $points } do nivoa { $tier }
portal-guest-amount = Poeni ili pečati (minus za skidanje)
portal-guest-adjusted = Stanje je izmenjeno.
portal-guest-kind = Stavka
portal-guest-change = Promena
portal-guest-after = Stanje posle
portal-guest-reason = Razlog
portal-guest-rule = Primenjena pravila
portal-guest-rule-show = Prikaži
portal-guest-purchases = Kupovine
portal-guest-receipt = Račun
portal-guest-total = Iznos
portal-guest-items = Stavke

## Event log page

portal-events-kind = Šta
portal-events-all = Sve
portal-events-sales = Prodaje i povraćaji
portal-events-rewards = Nagrade
portal-events-wallets = Računi i nivoi
portal-events-guests = Gosti
portal-events-audit = Radnje administracije
portal-events-staff = Osoblje
portal-events-shifts = Smene
portal-events-since = Od
portal-events-until = Do
portal-events-subject = O čemu
portal-events-details = Detalji

## Orders and loyalty pages, merges

portal-nav-orders = Porudžbine
portal-nav-loyalty = Lojalnost
portal-orders-title = Porudžbine
portal-orders-source = Kasa
portal-orders-refunded = Vraćeno
portal-orders-on-shift = U smeni
portal-loyalty-title = Lojalnost
portal-loyalty-program = Program
portal-loyalty-scope-hint = Stanja i nivoi su programski, u svim kafićima; filter kafića sužava najveće potrošače i nagrade.
portal-loyalty-balances = Raspodela stanja
portal-loyalty-balance-range = Stanje
portal-loyalty-wallets = Gostiju
portal-loyalty-tiers = Nivoi
portal-loyalty-share = Udeo
portal-loyalty-no-tier = Još bez nivoa
portal-loyalty-eligible = Mogu sada da uzmu nagradu
portal-loyalty-no-rewards = Ovaj program još nema nagrade.
portal-loyalty-eligible-hint = gostiju ima { $cost } ili više, koliko košta najjeftinija nagrada
portal-loyalty-top-balance = Najveća stanja
portal-loyalty-top-spend = Najveći potrošači
portal-loyalty-rewards = Nagrade u poslednjih 30 dana
portal-loyalty-reward = Nagrada
portal-loyalty-issued = Izdato
portal-loyalty-used = Iskorišćeno
portal-loyalty-waiting = Čeka
portal-loyalty-cancelled = Otkazano
portal-loyalty-expired = Isteklo
portal-loyalty-figure = Iznos
portal-guest-merged = Dve kartice su sada jedan gost.
portal-guest-merges = Spojene kartice
portal-guest-no-merges = Nijedna druga kartica nije spojena sa ovim gostom.
portal-guest-merge-card = Kod kartice iste osobe
portal-guest-merge = Spoji sa ovim gostom
portal-guest-merge-hint = Mesindžeri, kupovine i stanja prelaze ovde; druga kartica prestaje da radi. Ne može da se poništi.
portal-events-by-staff = Zaposleni
portal-events-everyone = Svi
