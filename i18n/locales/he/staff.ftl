# מצב צוות: בריסטות ומנהלים משרתים אורח דרך אפליקציית המסרים.

staff-mode = מצב צוות · { $cafe }
staff-guest-opened = { $name } · { $tier }
staff-guest-balance =
    { $balance ->
        [one] יתרה: נקודה אחת
        [two] יתרה: שתי נקודות
        [many] יתרה: { $balance } נקודות
       *[other] יתרה: { $balance } נקודות
    }
staff-guest-phone = טלפון שמסתיים ב־{ $phone_last }
staff-guest-reward-ready = יש הטבה מוכנה: { $reward }
staff-earn-amount = הוספת קנייה
staff-earn-visit = רישום ביקור
staff-earn-prompt = סכום הקנייה ב־{ $currency }:
staff-earn-confirm = להוסיף קנייה של { $amount } ל־{ $name }?
staff-visit-confirm = לרשום ביקור ל־{ $name }?
staff-earn-done =
    { $points ->
        [one] נוספה נקודה אחת על { $amount }. ל־{ $name } יש עכשיו { $balance }.
        [two] נוספו שתי נקודות על { $amount }. ל־{ $name } יש עכשיו { $balance }.
        [many] נוספו { $points } נקודות על { $amount }. ל־{ $name } יש עכשיו { $balance }.
       *[other] נוספו { $points } נקודות על { $amount }. ל־{ $name } יש עכשיו { $balance }.
    }
staff-visit-done = הביקור נרשם. ל־{ $name } יש { $stamps } מתוך { $stamps_total } חותמות.
staff-redeem = מימוש הטבה
staff-redeem-prompt = איזו הטבה?
staff-redeem-option =
    { $cost ->
        [one] { $reward } · נקודה אחת
        [two] { $reward } · שתי נקודות
        [many] { $reward } · { $cost } נקודות
       *[other] { $reward } · { $cost } נקודות
    }
staff-redeem-confirm =
    { $cost ->
        [one] לתת ל־{ $name } את { $reward } תמורת נקודה אחת?
        [two] לתת ל־{ $name } את { $reward } תמורת שתי נקודות?
        [many] לתת ל־{ $name } את { $reward } תמורת { $cost } נקודות?
       *[other] לתת ל־{ $name } את { $reward } תמורת { $cost } נקודות?
    }
staff-redeem-done = בוצע: { $reward } ל־{ $name }. יתרה: { $balance }.
staff-redeem-short =
    { $points_needed ->
        [one] ל־{ $name } חסרה עוד נקודה אחת ל־{ $reward }.
        [two] ל־{ $name } חסרות עוד שתי נקודות ל־{ $reward }.
        [many] ל־{ $name } חסרות עוד { $points_needed } נקודות ל־{ $reward }.
       *[other] ל־{ $name } חסרות עוד { $points_needed } נקודות ל־{ $reward }.
    }
staff-confirm = אישור
staff-cancel = ביטול
staff-cancelled = בוטל, שום דבר לא השתנה.
staff-redeem-none = ל־{ $name } עדיין אין הטבות למימוש.
staff-shift-required = קודם פתחו משמרת: כל מכירה והטבה נרשמות במשמרת.
staff-shift-open = פתיחת משמרת
staff-shift-close = סגירת משמרת
staff-shift-opened = המשמרת נפתחה ב־{ $cafe }, { $time }.
staff-shift-closed =
    { $actions ->
        [0] המשמרת נסגרה. לא היו פעולות במשמרת.
        [one] המשמרת נסגרה. נרשמה פעולה אחת.
        [two] המשמרת נסגרה. נרשמו שתי פעולות.
        [many] המשמרת נסגרה. נרשמו { $actions } פעולות.
       *[other] המשמרת נסגרה. נרשמו { $actions } פעולות.
    }
staff-code-prompt = סרקו את קוד ה־QR של האורח או הקלידו את 6 הספרות מהכרטיס.
staff-code-used = הקוד הזה כבר נוצל. בקשו מהאורח ללחוץ "רענון" ולהציג את הקוד החדש.
staff-code-expired = תוקף הקוד פג. בקשו מהאורח ללחוץ "רענון" בכרטיס.
staff-code-wrong =
    { $attempts_left ->
        [one] קוד שגוי. נשאר ניסיון אחד.
        [two] קוד שגוי. נשארו שני ניסיונות.
        [many] קוד שגוי. נשארו { $attempts_left } ניסיונות.
       *[other] קוד שגוי. נשארו { $attempts_left } ניסיונות.
    }
staff-code-locked =
    { $minutes ->
        [one] יותר מדי קודים שגויים. הקלדת קודים נחסמה לדקה אחת; סרקו את קוד ה־QR במקום.
        [two] יותר מדי קודים שגויים. הקלדת קודים נחסמה לשתי דקות; סרקו את קוד ה־QR במקום.
        [many] יותר מדי קודים שגויים. הקלדת קודים נחסמה ל־{ $minutes } דקות; סרקו את קוד ה־QR במקום.
       *[other] יותר מדי קודים שגויים. הקלדת קודים נחסמה ל־{ $minutes } דקות; סרקו את קוד ה־QR במקום.
    }
staff-code-ambiguous = הקוד מתאים ליותר מאורח אחד. בקשו את 4 הספרות האחרונות של מספר הטלפון.
staff-phone-digits-prompt = 4 הספרות האחרונות בטלפון של האורח:
staff-guest-not-found = לא נמצא אורח. בדקו את הקוד ונסו שוב.
staff-only = הקישור הזה מיועד לצוות בלבד.
staff-duplicate-tap = זה כבר נרשם לפני רגע, ולא נוסף פעמיים.
staff-exit = יציאה ממצב צוות
