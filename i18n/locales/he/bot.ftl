# שיחת האורח עם הבוט. המשתנים כמו ב־en/bot.ftl.
# פונים לאורח בלשון רבים ("הציגו", "לחצו") כדי לא לנחש מגדר.

## ברוכים הבאים והרשמה

bot-welcome =
    היי { $name }! ברוכים הבאים לכרטיס המועדון של { $chain }.
    צוברים נקודות על כל הזמנה ומקבלים פינוקים על חשבון הבית.
bot-welcome-back = טוב לראות אתכם שוב, { $name }!
bot-choose-language = באיזו שפה נוח לכם שאדבר?
bot-language-name = עברית
bot-language-set = מעולה! מעכשיו אדבר בעברית.
bot-choose-cafe = לאיזה מבתי הקפה שלנו אתם מגיעים הכי הרבה? אפשר לשנות את זה בכל רגע.
bot-cafe-chosen = { $cafe } הוא עכשיו בית הקפה הקבוע שלכם.
bot-share-phone =
    שתפו בבקשה את מספר הטלפון שלכם. כך הכרטיס לא ילך לאיבוד אם תחליפו טלפון או אפליקציה, והבריסטה ימצא אתכם מהר בקופה.
bot-share-phone-button = לשתף את המספר שלי
bot-type-phone = כתבו את מספר הטלפון שלכם בפורמט בינלאומי, למשל ‎+972501234567. אפשר גם ללחוץ על „דלגו”.
bot-phone-invalid = זה לא נראה כמו מספר טלפון. כתבו אותו בפורמט בינלאומי, למשל ‎+972501234567.
bot-phone-saved = תודה! מספר הטלפון שלכם נשמר.
bot-consent =
    כדי שהכרטיס יעבוד, { $chain } שומרת את מספר הטלפון שלכם ואת היסטוריית הביקורים. אנחנו לא מוכרים את המידע ולא שולחים ספאם, ואפשר למחוק את הכרטיס בכל רגע דרך "עזרה".
bot-consent-accept = אני מסכים/ה
bot-consent-decline = לא, תודה
bot-consent-declined = אין בעיה. אפשר לראות את בתי הקפה והמבצעים גם בלי כרטיס. כשתרצו כרטיס, שלחו /start.
bot-card-ready = הכול מוכן, { $name }! הכרטיס שלכם נוצר. הציגו אותו בקופה כדי לצבור נקודות.
bot-card-found = ברוכים השבים, { $name }! כבר יש לכם כרטיס אצלנו דרך מסנג׳ר אחר: הנה הוא, עם הנקודות שלכם.
bot-cards-merged = מצאנו כרטיס נוסף עם מספר הטלפון הזה ואיחדנו את השניים: כל מה שצברתם נמצא עכשיו בכרטיס אחד.
bot-skip = דלגו
bot-back = חזרה

## הכרטיס

bot-card-title = הכרטיס שלכם ב־{ $chain }
bot-card-balance =
    { $balance ->
        [one] יתרה: נקודה אחת
        [two] יתרה: שתי נקודות
        [many] יתרה: { $balance } נקודות
       *[other] יתרה: { $balance } נקודות
    }
bot-card-stamps = חותמות: { $stamps } מתוך { $stamps_total }
bot-card-stamps-left =
    { $stamps_left ->
        [one] עוד חותמת אחת והקפה הבא עלינו!
        [two] עוד שתי חותמות לקפה חינם.
        [many] עוד { $stamps_left } חותמות לקפה חינם.
       *[other] עוד { $stamps_left } חותמות לקפה חינם.
    }
bot-card-tier = דרגה: { $tier }
bot-card-tier-progress =
    { $points_needed ->
        [one] עוד נקודה אחת לדרגת { $tier }.
        [two] עוד שתי נקודות לדרגת { $tier }.
        [many] עוד { $points_needed } נקודות לדרגת { $tier }.
       *[other] עוד { $points_needed } נקודות לדרגת { $tier }.
    }
bot-card-tier-top = אתם בדרגה הגבוהה ביותר שלנו. תודה שאתם איתנו!
bot-card-reward-progress =
    { $points_needed ->
        [one] עוד נקודה אחת ל־{ $reward }.
        [two] עוד שתי נקודות ל־{ $reward }.
        [many] עוד { $points_needed } נקודות ל־{ $reward }.
       *[other] עוד { $points_needed } נקודות ל־{ $reward }.
    }
bot-card-reward-ready = { $reward } מחכה לכם! הציגו את הכרטיס בקופה כדי לקבל.
bot-card-code = הציגו את זה בקופה. קוד: { $code }
bot-card-code-hint = הקוד מתחלף כל 30 שניות. אם הבריסטה לא מצליח לסרוק, לחצו "רענון".
bot-card-staff-link = לצוות: { $link }
bot-card-refresh = רענון

## תפריט ראשי

bot-menu-prompt = מה תרצו לעשות?
bot-menu-card = הכרטיס שלי
bot-menu-history = היסטוריה
bot-menu-promotions = מבצעים
bot-menu-cafes = בתי קפה
bot-menu-invite = להזמין חבר
bot-menu-language = שפה
bot-menu-help = עזרה

## היסטוריה

bot-history-title = ההיסטוריה שלכם
bot-history-empty = עדיין אין כאן כלום. הביקור הראשון שלכם יופיע כאן.
bot-history-page = עמוד { $page } מתוך { $pages }
bot-history-newer = חדשות יותר
bot-history-older = ישנות יותר
bot-history-earn =
    { $date } · { $points ->
        [one] צברתם נקודה אחת
        [two] צברתם שתי נקודות
        [many] צברתם { $points } נקודות
       *[other] צברתם { $points } נקודות
    } ב־{ $cafe }
bot-history-stamp = { $date } · חותמת ב־{ $cafe }
bot-history-redeem = { $date } · מימשתם { $reward } ב־{ $cafe } (נקודות: { $points })
bot-history-expire =
    { $date } · { $points ->
        [one] פגה נקודה אחת
        [two] פגו שתי נקודות
        [many] פגו { $points } נקודות
       *[other] פגו { $points } נקודות
    }
bot-history-adjust = { $date } · היתרה תוקנה ב־{ $delta }: { $reason }
bot-history-refund =
    { $date } · החזר ב־{ $cafe }, { $points ->
        [one] נקודה אחת בוטלה
        [two] שתי נקודות בוטלו
        [many] { $points } נקודות בוטלו
       *[other] { $points } נקודות בוטלו
    }
bot-history-bonus =
    { $date } · { $points ->
        [one] נקודת בונוס אחת
        [two] שתי נקודות בונוס
        [many] { $points } נקודות בונוס
       *[other] { $points } נקודות בונוס
    }: { $kind ->
        [referral] חבר הצטרף
        [birthday] יום הולדת שמח!
       *[promotion] מבצע
    }

## מבצעים

bot-promotions-title = מבצעים
bot-promotions-none = אין מבצעים כרגע. נשלח לכם הודעה ברגע שיהיה משהו טעים.
bot-promotion-until = עד { $date }
bot-invited-by = קיבלתם הזמנה מ־{ $friend }! הצטרפו, בצעו קנייה ראשונה, ושניכם תקבלו נקודות בונוס.

## בתי קפה

bot-cafes-title = בתי הקפה שלנו
bot-cafe-address = { $cafe }, { $address }
bot-cafe-hours = היום: { $opens }–{ $closes }
bot-cafe-open-now = פתוח עכשיו, עד { $closes }
bot-cafe-closed-now = סגור עכשיו, נפתח ב־{ $opens }
bot-cafe-closed-today = סגור היום
bot-cafe-directions = איך מגיעים

## הזמנת חבר

bot-invite =
    { $points ->
        [one] הזמינו חבר ל־{ $chain }! כשהוא מצטרף דרך הקישור שלכם ומבצע קנייה ראשונה, כל אחד מכם מקבל נקודת בונוס אחת.
        [two] הזמינו חבר ל־{ $chain }! כשהוא מצטרף דרך הקישור שלכם ומבצע קנייה ראשונה, כל אחד מכם מקבל שתי נקודות בונוס.
        [many] הזמינו חבר ל־{ $chain }! כשהוא מצטרף דרך הקישור שלכם ומבצע קנייה ראשונה, כל אחד מכם מקבל { $points } נקודות בונוס.
       *[other] הזמינו חבר ל־{ $chain }! כשהוא מצטרף דרך הקישור שלכם ומבצע קנייה ראשונה, כל אחד מכם מקבל { $points } נקודות בונוס.
    }
bot-invite-link = הקישור שלכם: { $link }
bot-invite-no-bonus = הזמינו חבר או חברה ל־{ $chain }! שלחו להם את הקישור האישי שלכם: כשיצטרפו דרכו, נדע שהגיעו מכם.
bot-invite-share = לשתף את הקישור
bot-invite-count =
    { $friends ->
        [0] עדיין אף חבר לא הצטרף.
        [one] חבר אחד כבר הצטרף.
        [two] שני חברים כבר הצטרפו.
        [many] { $friends } חברים כבר הצטרפו.
       *[other] { $friends } חברים כבר הצטרפו.
    }

## שפה ועזרה

bot-language-prompt = בחרו שפה:
bot-help =
    אני שומר את כרטיס המועדון שלכם ב־{ $chain }.
    • הכרטיס שלי: היתרה והקוד להצגה בקופה
    • היסטוריה: מה צברתם ומה מימשתם
    • בתי קפה: כתובות ושעות פתיחה
    • להזמין חבר: נקודות בונוס לשניכם
    יש שאלות? פשוט שאלו את הבריסטה.
bot-help-delete = למחוק את הכרטיס שלי
bot-delete-confirm = למחוק את הכרטיס ואת כל הנקודות? אי אפשר לבטל את הפעולה.
bot-deleted = הכרטיס והנתונים שלכם נמחקו. תודה על הביקורים, { $name }!
bot-fallback = סליחה, לא הבנתי. לחצו על אחד הכפתורים למטה, או שלחו /help כדי לראות מה אני יודע לעשות.
bot-stale-button = הכפתור הזה שייך להודעה ישנה. הנה מה שאפשר לעשות עכשיו:
bot-phone-code-sent = כבר קיים אצלנו כרטיס עם המספר הזה. כדי להצטרף אליו, הקלידו את הקוד בן 6 הספרות ששלחנו עכשיו לכרטיס הזה ב־{ $messenger }.
bot-phone-code-wrong = הקוד לא תואם. { $left ->
        [one] נשאר ניסיון אחד.
        [two] נשארו שני ניסיונות.
        [many] נשארו { $left } ניסיונות.
       *[other] נשארו { $left } ניסיונות.
    }
bot-phone-code-failed = הקוד לא תאם, ולכן לא איחדנו את הכרטיסים. אפשר להמשיך בלי מספר טלפון.
bot-phone-code-expired = תוקף הקוד פג, ולכן לא איחדנו את הכרטיסים. אפשר להמשיך בלי מספר טלפון.
