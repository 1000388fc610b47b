# Greške za goste i osoblje: šta se desilo i šta dalje, bez prebacivanja krivice.

error-generic = Nešto je pošlo naopako kod nas. Pokušajte ponovo za minut.
error-not-found = Nismo to pronašli. Možda je uklonjeno.
error-forbidden = Izvinite, to ne možete da uradite.
error-rate-limited =
    { $seconds ->
        [one] Previše zahteva. Pokušajte ponovo za { $seconds } sekundu.
        [few] Previše zahteva. Pokušajte ponovo za { $seconds } sekunde.
       *[other] Previše zahteva. Pokušajte ponovo za { $seconds } sekundi.
    }
error-invalid-phone = Ovo ne liči na broj telefona. Koristite dugme za deljenje broja.
error-phone-in-use = Ovaj broj je već povezan sa drugom karticom. Zamolite osoblje da vam pomogne da ih spojite.
error-insufficient-points =
    { $points_needed ->
        [one] Još nemate dovoljno poena: nedostaje { $points_needed } poen.
        [few] Još nemate dovoljno poena: nedostaju { $points_needed } poena.
       *[other] Još nemate dovoljno poena: nedostaje { $points_needed } poena.
    }
error-reward-unavailable = Ova nagrada trenutno nije dostupna.
error-invalid-amount = Unesite iznos, na primer 450 ili 450,50.
error-cafe-closed = Ovaj kafić je trenutno zatvoren.
error-unavailable = Usluga je privremeno nedostupna. Vaši poeni su bezbedni, pokušajte ponovo uskoro.
