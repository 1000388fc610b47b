# ממשק הבעלים וקופת הרשת.

portal-app-name = Regulars
portal-sign-in = כניסה
portal-sign-out = יציאה
portal-email = אימייל
portal-password = סיסמה
portal-search = חיפוש
portal-save = שמירה
portal-cancel = ביטול
portal-add = הוספה
portal-edit = עריכה
portal-delete = מחיקה
portal-back = חזרה
portal-saved = נשמר.
portal-empty = אין כאן עדיין כלום.
portal-page = עמוד { $page } מתוך { $pages }
portal-loading = טוען…

## ניווט

portal-nav-dashboard = לוח בקרה
portal-nav-guests = אורחים
portal-nav-cafes = בתי קפה
portal-nav-programs = תוכניות
portal-nav-staff = צוות
portal-nav-shifts = משמרות
portal-nav-events = יומן אירועים
portal-nav-analytics = נתונים
portal-nav-settings = הגדרות
portal-nav-pos = קופה

## אורחים

portal-guests-title = אורחים
portal-guests-count =
    { $count ->
        [one] אורח אחד
        [two] שני אורחים
        [many] { $count } אורחים
       *[other] { $count } אורחים
    }
portal-guest-name = שם
portal-guest-phone = טלפון
portal-guest-tier = דרגה
portal-guest-balance = יתרה
portal-guest-last-visit = ביקור אחרון
portal-guest-joined = הצטרפות
portal-guest-language = שפה
portal-guest-channels = אפליקציות מסרים
portal-guest-adjust = תיקון יתרה
portal-guest-adjust-reason = סיבה (האורח יראה אותה בהיסטוריה)

## בתי קפה

portal-cafes-title = בתי קפה
portal-cafe-name = שם
portal-cafe-address = כתובת
portal-cafe-timezone = אזור זמן
portal-cafe-currency = מטבע
portal-cafe-hours = שעות פתיחה
portal-cafe-closed = סגור

## תוכניות

portal-programs-title = תוכניות מועדון
portal-program-kind = סוג
portal-program-kind-points = נקודות
portal-program-kind-stamps = חותמות
portal-program-scope = תקף ב
portal-program-scope-chain = כל בתי הקפה
portal-program-scope-cafe = בית קפה אחד
portal-program-rules = כללי צבירה
portal-program-tiers = דרגות
portal-program-rewards = הטבות
portal-program-expiry = הנקודות פגות אחרי
portal-program-expiry-days =
    { $days ->
        [one] יום אחד
        [two] יומיים
        [many] { $days } ימים
       *[other] { $days } ימים
    }

## צוות ומשמרות

portal-staff-title = צוות
portal-staff-role = תפקיד
portal-role-owner = בעלים
portal-role-manager = מנהל/ת
portal-role-barista = בריסטה
portal-staff-invite = הזמנת איש צוות
portal-shifts-title = משמרות
portal-shift-open = פתוחה
portal-shift-closed = סגורה
portal-shift-opened-by = נפתחה על ידי
portal-shift-opened-at = נפתחה
portal-shift-closed-at = נסגרה
portal-shift-actions =
    { $count ->
        [one] פעולה אחת
        [two] שתי פעולות
        [many] { $count } פעולות
       *[other] { $count } פעולות
    }

## יומן אירועים

portal-events-title = יומן אירועים
portal-event-time = זמן
portal-event-actor = מי
portal-event-action = מה
portal-event-guest = אורח
portal-event-cafe = בית קפה

## נתונים

portal-analytics-title = נתונים
portal-analytics-active-guests = אורחים פעילים
portal-analytics-new-guests = אורחים חדשים
portal-analytics-visits = ביקורים
portal-analytics-repeat-rate = חזרו שוב
portal-analytics-points-issued = נקודות שנצברו
portal-analytics-points-redeemed = נקודות שמומשו
portal-analytics-member-revenue = הכנסות מחברי מועדון
portal-analytics-average-check = קנייה ממוצעת
portal-analytics-period = תקופה

## הודעות תפוצה

portal-nav-broadcasts = הודעות תפוצה
portal-broadcast-new = הודעת תפוצה חדשה
portal-broadcast-text = הודעה
portal-broadcast-language = שפה
portal-broadcast-second-language = שפה שנייה (לא חובה)
portal-broadcast-bilingual-hint = האורחים יקבלו את שתי השפות בהודעה אחת, עם קו מפריד ביניהן.
portal-broadcast-recipients =
    { $count ->
        [one] נמען אחד
        [two] שני נמענים
        [many] { $count } נמענים
       *[other] { $count } נמענים
    }
portal-broadcast-send = שליחה
portal-broadcast-sent = נשלח.

## קופה

portal-pos-title = קופה
portal-pos-scan = סרקו את הקוד של האורח
portal-pos-code = קוד בן 6 ספרות
portal-pos-amount = סכום הקנייה
portal-pos-add = הוספת קנייה

## שגיאות

portal-error-not-found = הדף הזה לא קיים.
portal-error-forbidden = אין לכם גישה לדף הזה.
portal-error-session-expired = פג תוקף ההתחברות. התחברו שוב.
portal-error-save-failed = השמירה נכשלה. בדקו את השדות המסומנים באדום ונסו שוב.
portal-error-sign-in = שם משתמש או סיסמה שגויים.

## Server status page (GET /)

portal-status-title = Regulars פועל
portal-status-storage = אחסון: { $backend }.
portal-status-health = תקינות
portal-status-readiness = מוכנות
portal-status-chain = רשת
portal-status-slug = שם מקוצר
portal-status-no-chains = עדיין אין רשתות: הריצו { $command }.

## Portal frame, sign-in and filters

portal-login = שם משתמש
portal-skip-to-content = דילוג לתוכן
portal-nav-label = אזורי הפורטל
portal-chain = רשת
portal-switch = מעבר
portal-language = שפה
portal-filter-cafe = בית קפה
portal-filter-all-cafes = כל בתי הקפה
portal-apply = החלה
portal-export-csv = ייצוא CSV
portal-next-page = לעמוד הבא
portal-sort-by = מיון לפי:
portal-error-bad-request = משהו בכתובת אינו תקין.
portal-error-too-many = יותר מדי ניסיונות. המתינו דקה ונסו שוב.
portal-error-server = משהו השתבש אצלנו. נסו שוב בעוד רגע.

## Dashboard

portal-dash-period = תקופה
portal-dash-last-days =
    { $days ->
        [one] היום האחרון
        [two] היומיים האחרונים
        [many] { $days } הימים האחרונים
       *[other] { $days } הימים האחרונים
    }
portal-dash-figures = נתונים
portal-dash-vs-previous = לעומת התקופה הקודמת
portal-dash-total-guests = אורחים
portal-dash-new-guests = אורחים חדשים
portal-dash-orders = הזמנות
portal-dash-revenue = הכנסות
portal-dash-average-check = חשבון ממוצע
portal-dash-points-issued = נקודות שניתנו
portal-dash-rewards-redeemed = הטבות שמומשו
portal-dash-reward-eligible = יכולים לקבל הטבה עכשיו
portal-dash-referrals = הגיעו בהזמנה
portal-dash-repeat-guests = חזרו (2 ביקורים ומעלה)
portal-dash-orders-per-week = הזמנות לפי שבוע
portal-dash-revenue-per-day = הכנסות לפי יום
portal-dash-recent-activity = פעילות אחרונה
portal-activity-purchase = קנייה בסך { $amount }
portal-activity-reward-issued = הטבה ניתנה
portal-activity-reward-used = הטבה מומשה
portal-activity-joined = אורח חדש הצטרף
portal-activity-tier = אורח הגיע לדרגה { $tier }

## Guest list

portal-guest-public-id = כרטיס
portal-guests-spend = הוצאה
portal-guests-reward = הטבה
portal-guests-reward-ready = זמינה
portal-guests-search-hint = טלפון, שם או כרטיס

## Analytics page

portal-analytics-visit-frequency = הזמנות לאורח
portal-analytics-orders-per-month = הזמנות לפי חודש
portal-analytics-average-check-per-month = חשבון ממוצע לפי חודש
portal-analytics-cohorts = מי חוזר: אורחים לפי חודש הביקור הראשון
portal-analytics-cohorts-hint = כל שורה היא האורחים שקנו לראשונה באותו חודש; כל עמודה היא החלק מהם שקנה שוב כעבור מספר חודשים זה.
portal-analytics-cohort-size = אורחים
portal-analytics-month = חודש
portal-analytics-months = חודש אחר חודש
portal-analytics-busiest-hours = השעות העמוסות (הזמנות, 12 השבועות האחרונים)
portal-analytics-cafes = בתי הקפה זה לצד זה (30 הימים האחרונים)
portal-analytics-visitors = אורחים שקנו
portal-weekday-mon = ב׳
portal-weekday-tue = ג׳
portal-weekday-wed = ד׳
portal-weekday-thu = ה׳
portal-weekday-fri = ו׳
portal-weekday-sat = ש׳
portal-weekday-sun = א׳

## A guest's page

portal-guest-title = אורח
portal-guest-home-cafe = בית הקפה הקבוע
portal-guest-next-tier = עוד { $points } עד { $tier }
portal-guest-amount = נקודות או חותמות (מינוס כדי להוריד)
portal-guest-adjusted = היתרה עודכנה.
portal-guest-kind = רישום
portal-guest-change = שינוי
portal-guest-after = יתרה אחרי
portal-guest-reason = סיבה
portal-guest-rule = כללים שהופעלו
portal-guest-rule-show = הצגה
portal-guest-purchases = קניות
portal-guest-receipt = קבלה
portal-guest-total = סכום
portal-guest-items = פריטים

## Event log page

portal-events-kind = מה
portal-events-all = הכול
portal-events-sales = מכירות והחזרים
portal-events-rewards = הטבות
portal-events-wallets = ארנקים ודרגות
portal-events-guests = אורחים
portal-events-audit = פעולות ניהול
portal-events-staff = צוות
portal-events-shifts = משמרות
portal-events-since = מתאריך
portal-events-until = עד תאריך
portal-events-subject = בנושא
portal-events-details = פרטים

## Orders and loyalty pages, merges

portal-nav-orders = הזמנות
portal-nav-loyalty = נאמנות
portal-orders-title = הזמנות
portal-orders-source = קופה
portal-orders-refunded = הוחזר
portal-orders-on-shift = במשמרת
portal-loyalty-title = נאמנות
portal-loyalty-program = תוכנית
portal-loyalty-scope-hint = היתרות והרמות הן של התוכנית בכל בתי הקפה; מסנן בית הקפה מצמצם את הקונים הגדולים ואת ההטבות.
portal-loyalty-balances = פיזור היתרות
portal-loyalty-balance-range = יתרה
portal-loyalty-wallets = אורחים
portal-loyalty-tiers = רמות
portal-loyalty-share = חלק
portal-loyalty-no-tier = עדיין בלי רמה
portal-loyalty-eligible = יכולים לקבל הטבה עכשיו
portal-loyalty-no-rewards = בתוכנית הזאת עדיין אין הטבות.
portal-loyalty-eligible-hint = אורחים עם { $cost } ומעלה, מחיר ההטבה הזולה ביותר
portal-loyalty-top-balance = היתרות הגדולות
portal-loyalty-top-spend = הקונים הגדולים
portal-loyalty-rewards = הטבות ב-30 הימים האחרונים
portal-loyalty-reward = הטבה
portal-loyalty-issued = הונפקו
portal-loyalty-used = מומשו
portal-loyalty-waiting = ממתינות
portal-loyalty-cancelled = בוטלו
portal-loyalty-expired = פגו
portal-loyalty-figure = סכום
portal-guest-merged = שני הכרטיסים הם עכשיו אורח אחד.
portal-guest-merges = כרטיסים שאוחדו
portal-guest-no-merges = לא אוחד כרטיס אחר עם האורח הזה.
portal-guest-merge-card = קוד הכרטיס של אותו אדם
portal-guest-merge = איחוד עם האורח הזה
portal-guest-merge-hint = המסנג׳רים, הקניות והיתרות יעברו לכאן; הכרטיס השני יפסיק לעבוד. אי אפשר לבטל.
portal-events-by-staff = צוות
portal-events-everyone = כולם
