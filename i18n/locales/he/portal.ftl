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
portal-error-sign-in = אימייל או סיסמה שגויים.

## Server status page (GET /)

portal-status-title = Regulars פועל
portal-status-storage = אחסון: { $backend }.
portal-status-health = תקינות
portal-status-readiness = מוכנות
portal-status-chain = רשת
portal-status-slug = שם מקוצר
portal-status-no-chains = עדיין אין רשתות: הריצו { $command }.
