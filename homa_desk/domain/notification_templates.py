"""The texts of the desk's messages in English and Hindi: (e-mail subject, body) per template and language.

Placeholders are str.format fields filled from the outbox row's payload. SMS and Telegram use the body only.
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "appointment_booked": {
        "en": ("Appointment booked at {clinic_name}",
               "Dear {patient_name}, your appointment with {doctor_name} at {clinic_name} is booked for {when}."),
        "hi": ("{clinic_name} में अपॉइंटमेंट बुक हुआ",
               "प्रिय {patient_name}, {clinic_name} में {doctor_name} के साथ आपका अपॉइंटमेंट {when} के लिए बुक हो गया है।"),
    },
    "appointment_rescheduled": {
        "en": ("Appointment moved at {clinic_name}",
               "Dear {patient_name}, your appointment with {doctor_name} at {clinic_name} has been moved to {when}."),
        "hi": ("{clinic_name} में अपॉइंटमेंट का समय बदला",
               "प्रिय {patient_name}, {clinic_name} में {doctor_name} के साथ आपका अपॉइंटमेंट अब {when} को है।"),
    },
    "appointment_cancelled": {
        "en": ("Appointment cancelled at {clinic_name}",
               "Dear {patient_name}, your appointment with {doctor_name} at {clinic_name} on {when} has been "
               "cancelled. Please call us to book another time."),
        "hi": ("{clinic_name} में अपॉइंटमेंट रद्द",
               "प्रिय {patient_name}, {clinic_name} में {doctor_name} के साथ {when} का आपका अपॉइंटमेंट रद्द कर दिया "
               "गया है। नया समय लेने के लिए कृपया हमें फ़ोन करें।"),
    },
    "appointment_reminder": {
        "en": ("Reminder: your appointment tomorrow at {clinic_name}",
               "Reminder: {patient_name}, you have an appointment with {doctor_name} at {clinic_name} on {when}."),
        "hi": ("याद दिलाना: कल {clinic_name} में आपका अपॉइंटमेंट",
               "याद दिलाना: {patient_name}, {clinic_name} में {doctor_name} के साथ आपका अपॉइंटमेंट {when} को है।"),
    },
    "payment_received": {
        "en": ("Receipt {bill_number} from {clinic_name}",
               "Dear {patient_name}, we received {amount} ({method}) on bill {bill_number} at {clinic_name}. "
               "Thank you."),
        "hi": ("{clinic_name} की रसीद {bill_number}",
               "प्रिय {patient_name}, {clinic_name} को बिल {bill_number} पर {amount} ({method}) प्राप्त हुए। "
               "धन्यवाद।"),
    },
    "verification_code": {
        "en": ("Your {clinic_name} verification code",
               "Your {clinic_name} verification code is {code}. It is valid for 10 minutes. Do not share it."),
        "hi": ("आपका {clinic_name} सत्यापन कोड",
               "आपका {clinic_name} सत्यापन कोड {code} है। यह 10 मिनट तक मान्य है। इसे किसी से साझा न करें।"),
    },
    "daily_collection": {
        "en": ("Collection for {day}",
               "{clinic_name}, collection for {day}: {total} from {count} payments. {by_method}"),
        "hi": ("{day} का संग्रह",
               "{clinic_name}, {day} का संग्रह: {count} भुगतानों से {total}। {by_method}"),
    },
}
