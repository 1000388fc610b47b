# Razgovor gosta sa botom. Promenljive su iste kao u en/bot.ftl.
# Srpski: latinica je u sr-Latn/, ćirilica u sr-Cyrl/ (generiše se iz latinice).

## Dobrodošlica i prijava

bot-welcome =
    Zdravo, { $name }! Dobro došli u program vernosti { $chain }.
    Skupljajte poene uz svaku porudžbinu i dobijajte poslastice na račun kuće.
bot-welcome-back = Drago nam je što ste opet tu, { $name }!
bot-choose-language = Na kom jeziku želite da razgovaramo?
bot-language-name = Srpski (latinica)
bot-language-set = Važi! Od sada pišem na srpskom.
bot-choose-cafe = Koji naš kafić najčešće posećujete? To možete promeniti bilo kada.
bot-cafe-chosen = { $cafe } je sada vaš omiljeni kafić.
bot-share-phone =
    Podelite sa nama svoj broj telefona. Tako se kartica neće izgubiti ako promenite telefon ili aplikaciju, a barista će vas brzo pronaći na kasi.
bot-share-phone-button = Podeli moj broj
bot-type-phone = Upišite svoj broj telefona u međunarodnom formatu, npr. +381601234567. Ili dodirnite „Preskoči”.
bot-phone-invalid = To ne liči na broj telefona. Upišite ga u međunarodnom formatu, npr. +381601234567.
bot-phone-saved = Hvala! Vaš broj telefona je sačuvan.
bot-consent =
    Da bi kartica radila, { $chain } čuva vaš broj telefona i istoriju poseta. Nikome ih ne prodajemo i ne šaljemo spam, a karticu možete obrisati bilo kada u odeljku „Pomoć”.
bot-consent-accept = Slažem se
bot-consent-decline = Ne, hvala
bot-consent-declined = Nema problema. Kafiće i akcije možete da vidite i bez kartice. Kad poželite karticu, pošaljite /start.
bot-card-ready = Sve je spremno, { $name }! Vaša kartica je napravljena. Pokažite je na kasi da biste skupljali poene.
bot-card-found = Dobro došli nazad, { $name }! Već imate našu karticu preko drugog mesindžera: evo je, sa vašim poenima.
bot-cards-merged = Našli smo drugu karticu sa ovim brojem telefona i spojili ih: sve što ste skupili sada je na jednoj kartici.
bot-skip = Preskoči
bot-back = Nazad

## Kartica

bot-card-title = Vaša { $chain } kartica
bot-card-balance =
    { $balance ->
        [one] Stanje: { $balance } poen
        [few] Stanje: { $balance } poena
       *[other] Stanje: { $balance } poena
    }
bot-card-stamps = Pečati: { $stamps } od { $stamps_total }
bot-card-stamps-left =
    { $stamps_left ->
        [one] Još { $stamps_left } pečat i sledeća kafa je na nas!
        [few] Još { $stamps_left } pečata do besplatne kafe.
       *[other] Još { $stamps_left } pečata do besplatne kafe.
    }
bot-card-tier = Nivo: { $tier }
bot-card-tier-progress =
    { $points_needed ->
        [one] Do nivoa { $tier } vam nedostaje još { $points_needed } poen.
        [few] Do nivoa { $tier } vam nedostaju još { $points_needed } poena.
       *[other] Do nivoa { $tier } vam nedostaje još { $points_needed } poena.
    }
bot-card-tier-top = Na najvišem ste nivou. Hvala što ste naš stalni gost!
bot-card-reward-progress =
    { $points_needed ->
        [one] Još { $points_needed } poen do nagrade „{ $reward }”.
        [few] Još { $points_needed } poena do nagrade „{ $reward }”.
       *[other] Još { $points_needed } poena do nagrade „{ $reward }”.
    }
bot-card-reward-ready = Čeka vas „{ $reward }”! Pokažite karticu na kasi da biste je preuzeli.
bot-card-code = Pokažite ovo na kasi. Kôd: { $code }
bot-card-code-hint = Kôd se menja na svakih 30 sekundi. Ako barista ne može da ga skenira, dodirnite „Osveži”.
bot-card-staff-link = Za osoblje: { $link }
bot-card-refresh = Osveži

## Glavni meni

bot-menu-prompt = Šta želite da uradite?
bot-menu-card = Moja kartica
bot-menu-history = Istorija
bot-menu-promotions = Akcije
bot-menu-cafes = Kafići
bot-menu-invite = Pozovi prijatelja
bot-menu-language = Jezik
bot-menu-help = Pomoć

## Istorija

bot-history-title = Vaša istorija
bot-history-empty = Ovde još nema ničega. Vaša prva poseta pojaviće se ovde.
bot-history-page = Strana { $page } od { $pages }
bot-history-newer = ‹ Novije
bot-history-older = Starije ›
bot-history-earn =
    { $date } · { $points ->
        [one] +{ $points } poen
        [few] +{ $points } poena
       *[other] +{ $points } poena
    } u kafiću { $cafe }
bot-history-stamp = { $date } · pečat u kafiću { $cafe }
bot-history-redeem = { $date } · „{ $reward }” u kafiću { $cafe } (−{ $points })
bot-history-expire =
    { $date } · { $points ->
        [one] istekao je { $points } poen
        [few] istekla su { $points } poena
       *[other] isteklo je { $points } poena
    }
bot-history-adjust = { $date } · stanje ispravljeno za { $delta }: { $reason }
bot-history-refund =
    { $date } · povraćaj u kafiću { $cafe }, { $points ->
        [one] oduzet je { $points } poen
        [few] oduzeta su { $points } poena
       *[other] oduzeto je { $points } poena
    }
bot-history-bonus =
    { $date } · { $points ->
        [one] +{ $points } bonus poen
        [few] +{ $points } bonus poena
       *[other] +{ $points } bonus poena
    }: { $kind ->
        [referral] pridružio vam se prijatelj
        [birthday] srećan rođendan!
       *[promotion] akcija
    }

## Akcije

bot-promotions-title = Akcije
bot-promotions-none = Trenutno nema akcija. Javićemo vam čim se pojavi nešto ukusno.
bot-promotion-until = Do { $date }
bot-invited-by = { $friend } vas poziva! Pridružite se, obavite prvu kupovinu i oboje dobijate bonus poene.

## Kafići

bot-cafes-title = Naši kafići
bot-cafe-address = { $cafe }, { $address }
bot-cafe-hours = Danas: { $opens }–{ $closes }
bot-cafe-open-now = Otvoreno do { $closes }
bot-cafe-closed-now = Sada je zatvoreno, otvara se u { $opens }
bot-cafe-closed-today = Danas je zatvoreno
bot-cafe-directions = Kako da stignete

## Pozovi prijatelja

bot-invite =
    { $points ->
        [one] Pozovite prijatelja u program vernosti { $chain }! Kad se prijavi preko vašeg linka i obavi prvu kupovinu, oboje dobijate po { $points } bonus poen.
        [few] Pozovite prijatelja u program vernosti { $chain }! Kad se prijavi preko vašeg linka i obavi prvu kupovinu, oboje dobijate po { $points } bonus poena.
       *[other] Pozovite prijatelja u program vernosti { $chain }! Kad se prijavi preko vašeg linka i obavi prvu kupovinu, oboje dobijate po { $points } bonus poena.
    }
bot-invite-link = Vaš link: { $link }
bot-invite-no-bonus = Pozovite prijatelja u { $chain }! Pošaljite mu svoj lični link: kad se pridruži preko njega, znaćemo da je došao od vas.
bot-invite-share = Podeli link
bot-invite-count =
    { $friends ->
        [0] Još vam se nije pridružio nijedan prijatelj.
        [one] Do sada vam se pridružio { $friends } prijatelj.
        [few] Do sada su vam se pridružila { $friends } prijatelja.
       *[other] Do sada vam se pridružilo { $friends } prijatelja.
    }

## Jezik i pomoć

bot-language-prompt = Izaberite jezik:
bot-help =
    Čuvam vašu { $chain } karticu vernosti.
    • Moja kartica: stanje i kôd za kasu
    • Istorija: šta ste skupili i potrošili
    • Kafići: adrese i radno vreme
    • Pozovi prijatelja: bonus poeni za oboje
    Imate pitanje? Slobodno pitajte baristu.
bot-help-delete = Obriši moju karticu
bot-delete-confirm = Da obrišemo karticu i sve poene na njoj? Ovo ne može da se poništi.
bot-deleted = Vaša kartica i podaci su obrisani. Hvala na posetama, { $name }!
bot-fallback = Izvinite, nisam razumeo. Dodirnite neko od dugmadi ispod ili pošaljite /help da vidite šta sve umem.
bot-stale-button = To dugme je iz starije poruke. Evo šta sada možete:
bot-phone-code-sent = Kartica sa ovim brojem već postoji kod nas. Da biste joj se pridružili, ukucajte šestocifreni kod koji smo upravo poslali toj kartici u { $messenger }.
bot-phone-code-wrong = Kod se ne poklapa. { $left ->
        [one] Još { $left } pokušaj.
        [few] Još { $left } pokušaja.
       *[other] Još { $left } pokušaja.
    }
bot-phone-code-failed = Kod se nije poklopio, pa kartice nismo spojili. Možete nastaviti bez broja telefona.
bot-phone-code-expired = Kod je istekao, pa kartice nismo spojili. Možete nastaviti bez broja telefona.
