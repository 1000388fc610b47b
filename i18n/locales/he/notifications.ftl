# הודעות שהמערכת שולחת מעצמה. $amount הוא סכום מעוצב מראש.

notify-points-earned =
    { $points ->
        [one] צברתם נקודה אחת על הזמנה בסך { $amount }. תודה!
        [two] צברתם שתי נקודות על הזמנה בסך { $amount }. תודה!
        [many] צברתם { $points } נקודות על הזמנה בסך { $amount }. תודה!
       *[other] צברתם { $points } נקודות על הזמנה בסך { $amount }. תודה!
    }
    { $balance ->
        [one] היתרה שלכם: נקודה אחת.
        [two] היתרה שלכם: שתי נקודות.
        [many] היתרה שלכם: { $balance } נקודות.
       *[other] היתרה שלכם: { $balance } נקודות.
    }
notify-progress-reward =
    { $points_needed ->
        [one] רק עוד נקודה אחת ל־{ $reward }.
        [two] רק עוד שתי נקודות ל־{ $reward }.
        [many] רק עוד { $points_needed } נקודות ל־{ $reward }.
       *[other] רק עוד { $points_needed } נקודות ל־{ $reward }.
    }
notify-progress-tier =
    { $points_needed ->
        [one] עוד נקודה אחת ואתם בדרגת { $tier }.
        [two] עוד שתי נקודות ואתם בדרגת { $tier }.
        [many] עוד { $points_needed } נקודות ואתם בדרגת { $tier }.
       *[other] עוד { $points_needed } נקודות ואתם בדרגת { $tier }.
    }
notify-stamp-earned = קיבלתם חותמת ב־{ $cafe }! { $stamps } מתוך { $stamps_total }.
notify-stamp-card-full = הכרטיס מלא, אז הקפה הבא עלינו! הציגו את הכרטיס בקופה.
notify-reward-unlocked = פתחתם את { $reward }! הציגו את הכרטיס בקופה כדי לקבל.
notify-reward-redeemed =
    בתיאבון! תיהנו מ־{ $reward }.
    { $balance ->
        [one] נשארה לכם נקודה אחת.
        [two] נשארו לכם שתי נקודות.
        [many] נשארו לכם { $balance } נקודות.
       *[other] נשארו לכם { $balance } נקודות.
    }
notify-stamp-reward-redeemed =
    בתיאבון! תיהנו מ־{ $reward }.
    חותמות בכרטיס: { $stamps }.
notify-tier-up = מזל טוב, { $name }! עליתם לדרגת { $tier }.
notify-tier-benefits = ההטבות שלכם: { $benefits }
notify-points-expiring =
    { $points ->
        [one] נקודה אחת תפוג ב־{ $date }. קפצו לפנק את עצמכם!
        [two] שתי נקודות יפוגו ב־{ $date }. קפצו לפנק את עצמכם!
        [many] { $points } נקודות יפוגו ב־{ $date }. קפצו לפנק את עצמכם!
       *[other] { $points } נקודות יפוגו ב־{ $date }. קפצו לפנק את עצמכם!
    }
notify-points-expired =
    { $points ->
        [one] פג תוקפה של נקודה אחת.
        [two] פג תוקפן של שתי נקודות.
        [many] פג תוקפן של { $points } נקודות.
       *[other] פג תוקפן של { $points } נקודות.
    }
notify-referral-bonus =
    { $points ->
        [one] קנייה ראשונה של { $friend } בזכות ההזמנה שלכם! קיבלתם נקודת בונוס אחת!
        [two] קנייה ראשונה של { $friend } בזכות ההזמנה שלכם! קיבלתם שתי נקודות בונוס!
        [many] קנייה ראשונה של { $friend } בזכות ההזמנה שלכם! קיבלתם { $points } נקודות בונוס!
       *[other] קנייה ראשונה של { $friend } בזכות ההזמנה שלכם! קיבלתם { $points } נקודות בונוס!
    }
notify-birthday = יום הולדת שמח, { $name }! מתנה קטנה מ־{ $chain } מחכה לכם בכרטיס.
notify-refund =
    { $points ->
        [one] הקנייה ב־{ $cafe } זוכתה, ולכן בוטלה נקודה אחת.
        [two] הקנייה ב־{ $cafe } זוכתה, ולכן בוטלו שתי נקודות.
        [many] הקנייה ב־{ $cafe } זוכתה, ולכן בוטלו { $points } נקודות.
       *[other] הקנייה ב־{ $cafe } זוכתה, ולכן בוטלו { $points } נקודות.
    }
notify-unsubscribe = כדי להפסיק לקבל הודעות אלה, שלחו /stop. הכרטיס ימשיך לעבוד.
notify-phone-code = מישהו מצטרף לכרטיס שלכם מ־{ $messenger } עם מספר הטלפון שלכם. אם זה אתם, הקלידו שם את הקוד: { $code }. אם לא, התעלמו מההודעה: שום דבר לא ישתנה.
