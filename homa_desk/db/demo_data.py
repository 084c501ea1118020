"""A deterministic demo clinic in India, bulk-loaded with COPY: from the desk's 300 patients to a million.

Same seed and arguments, same rows: every value comes from `random.Random` streams seeded from `seed`, and
every date is relative to `today` (clinic hours in Asia/Kolkata, stored as timestamptz). The one exception is
the staff password hashes: bcrypt hashes of random secrets nobody knows, so demo staff cannot sign in until
the clinic's admin resets their password.

How it is fast: rows are formatted as COPY text lines straight from precomputed pools of strings (names,
addresses, slot timestamps), streamed to PostgreSQL in chunks with explicit ids, while a writer thread sends
the previous chunk. Ids are reserved by locking the tables and reading the identity sequences once; the
sequences are moved past the new rows at the end. Everything happens in one transaction: all or nothing.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from random import Random
from typing import Any

import psycopg
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Connection, Engine, insert, text

from homa_desk.db.models import AuditEntry
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.passwords import hash_password
from homa_desk.domain.timeutil import CLINIC_TZ

log = logging.getLogger(__name__)

PAST_DAYS = 180
FUTURE_DAYS = 30
DAYS = PAST_DAYS + 1 + FUTURE_DAYS  # today is day PAST_DAYS
SLOT_MINUTES = 15
SESSIONS = ((clock(9, 0), clock(13, 0)), (clock(17, 0), clock(20, 0)))  # a doctor's hours, Asia/Kolkata
WORKING_WEEKDAYS = range(1, 8)  # ISO; the demo clinic opens on Sundays too (fewer bookings), so every day has hours
SPECIALTIES = (  # specialty, qualification
    ("General Physician", "MBBS, MD (General Medicine)"), ("Paediatrics", "MBBS, MD (Paediatrics)"),
    ("Gynaecology", "MBBS, MS (Obstetrics & Gynaecology)"), ("Orthopaedics", "MBBS, MS (Orthopaedics)"),
    ("Dermatology", "MBBS, MD (Dermatology)"), ("ENT", "MBBS, MS (ENT)"), ("Cardiology", "MBBS, MD, DM (Cardiology)"),
    ("Ophthalmology", "MBBS, MS (Ophthalmology)"), ("Diabetology", "MBBS, MD, Fellowship in Diabetology"),
)
SLOTS_PER_DAY = sum((end.hour * 60 + end.minute - start.hour * 60 - start.minute) // SLOT_MINUTES
                    for start, end in SESSIONS)
DEFAULT_DOCTORS = 6
DEFAULT_RECEPTIONISTS = 2
APPOINTMENTS_PER_PATIENT = 3
FILL = 0.8  # when the generator chooses, appointments take at most this share of the doctors' slots
STAFF_EMAIL_DOMAIN = "demo.homa"
PATIENT_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved: mail never reaches anyone
DISTINCT_STAFF_HASHES = 16  # bcrypt costs ~0.25 s each; beyond this many staff the hashes are reused
_DEMO_LOCK = 7_316_003  # pg_advisory_xact_lock key: two desks seeding at once take turns
_TABLES = ("users", "patient_profiles", "appointments", "payments")
_REFERENCING = ("patient_profiles", "appointments", "payments")
BULK_ROWS = 200_000  # from this many planned rows, foreign keys are re-checked once at the end, not per row
_CHUNK_ROWS = 50_000  # rows per COPY statement; the second table of a pair is held this long in memory
UTR_STEP = 7_919  # prime to 10**12: payment id × step mod 10**12 gives each demo payment its own 12-digit UTR
_WRITE_ROWS = 2_000  # rows per write to the COPY stream
NULL = "\\N"


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    today: date
    doctors: int
    receptionists: int
    patients: int
    appointments: int
    payments: int
    seconds: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "today": self.today.isoformat(), "doctors": self.doctors,
                "receptionists": self.receptionists, "patients": self.patients,
                "appointments": self.appointments, "payments": self.payments}


# --- who lives where -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Region:
    language: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    female_surnames: tuple[str, ...]  # differs only where custom does (Kaur)
    cities: tuple[tuple[str, str, int], ...]  # city, state, first PIN code of the city


def _region(language: str, male: str, female: str, surnames: str, cities: str, female_surnames: str = "") -> Region:
    parsed = []
    for entry in cities.split(";"):
        city, state, pin = (part.strip() for part in entry.split(","))
        parsed.append((city, state, int(pin)))
    return Region(language, tuple(male.split()), tuple(female.split()), tuple(surnames.split()),
                  tuple((female_surnames or surnames).split()), tuple(parsed))


REGIONS = (
    _region("Hindi",
            "Aarav Aditya Amit Anil Arjun Ashok Deepak Gaurav Harsh Karan Manoj Mohit Pankaj Rahul Rajesh Rakesh"
            " Ravi Rohit Sanjay Saurabh Sunil Vikas Vivek Yash",
            "Aarti Anjali Ankita Anita Divya Geeta Kavita Komal Manisha Meena Neha Nisha Pooja Priya Preeti Rekha"
            " Ritu Shalini Shweta Sunita Swati Vandana",
            "Sharma Verma Gupta Singh Yadav Mishra Tiwari Pandey Srivastava Chauhan Agarwal Dubey Saxena Tripathi"
            " Shukla",
            "Lucknow, Uttar Pradesh, 226001; Kanpur, Uttar Pradesh, 208001; Varanasi, Uttar Pradesh, 221001;"
            " New Delhi, Delhi, 110001; Jaipur, Rajasthan, 302001; Bhopal, Madhya Pradesh, 462001;"
            " Indore, Madhya Pradesh, 452001; Patna, Bihar, 800001"),
    _region("Marathi",
            "Aniket Ajinkya Ganesh Mahesh Nikhil Omkar Prasad Pratik Rohan Sachin Sagar Sandeep Santosh Shantanu"
            " Siddharth Tushar Vinayak",
            "Aishwarya Ashwini Gauri Madhuri Manasi Mrunal Pallavi Prajakta Rutuja Sayali Shraddha Snehal Sonali"
            " Supriya Tejaswini Vaishali",
            "Patil Deshmukh Kulkarni Joshi Jadhav Pawar Shinde Deshpande Gokhale Kale More Chavan Bhosale Apte"
            " Sawant",
            "Mumbai, Maharashtra, 400001; Pune, Maharashtra, 411001; Nagpur, Maharashtra, 440001;"
            " Nashik, Maharashtra, 422001; Kolhapur, Maharashtra, 416001; Thane, Maharashtra, 400601"),
    _region("Tamil",
            "Arun Balaji Dinesh Ganesan Karthik Murugan Prakash Ramesh Saravanan Senthil Sivakumar Suresh Vignesh"
            " Venkatesh Selvam",
            "Anitha Deepa Gayathri Kalpana Kavitha Lakshmi Meenakshi Revathi Saranya Selvi Sangeetha Vidya Yamuna"
            " Priya Divya",
            "Subramanian Raman Krishnan Natarajan Venkataraman Iyer Pillai Murugesan Sundaram Rajendran"
            " Balasubramanian Iyengar",
            "Chennai, Tamil Nadu, 600001; Coimbatore, Tamil Nadu, 641001; Madurai, Tamil Nadu, 625001;"
            " Tiruchirappalli, Tamil Nadu, 620001; Salem, Tamil Nadu, 636001"),
    _region("Telugu",
            "Chaitanya Harish Kiran Krishna Naveen Praveen Raghu Sai Srinivas Srikanth Venkat Vamsi Anil Mahesh",
            "Anusha Bhavani Deepika Haritha Keerthi Lavanya Madhavi Padma Pavani Sirisha Sravani Swathi Sowmya"
            " Sunitha",
            "Reddy Rao Naidu Chowdary Varma Raju Goud Setty Murthy Prasad",
            "Hyderabad, Telangana, 500001; Warangal, Telangana, 506001; Vijayawada, Andhra Pradesh, 520001;"
            " Visakhapatnam, Andhra Pradesh, 530001; Guntur, Andhra Pradesh, 522001; Tirupati, Andhra Pradesh, 517501"),
    _region("Bengali",
            "Abhijit Anirban Arindam Debashish Indranil Partha Prosenjit Saikat Subhajit Sourav Tanmoy Arnab"
            " Biswajit",
            "Ananya Debjani Ishita Madhumita Mousumi Paromita Rituparna Sanchita Sharmila Sreya Sudeshna"
            " Tanushree Payel Rupa",
            "Banerjee Chatterjee Mukherjee Das Bose Ghosh Sen Roy Dutta Chakraborty Sarkar Bhattacharya Mitra",
            "Kolkata, West Bengal, 700001; Howrah, West Bengal, 711101; Durgapur, West Bengal, 713201;"
            " Siliguri, West Bengal, 734001; Asansol, West Bengal, 713301"),
    _region("Malayalam",
            "Abhilash Ajith Anoop Biju Jithin Manu Midhun Rajeev Sreejith Sujith Vishnu Jose Shaji",
            "Anjana Aswathy Athira Lekshmi Reshma Remya Sreelakshmi Sruthi Neethu Nimisha Anju Meera",
            "Nair Menon Pillai Kurup Panicker Varghese Thomas Kurian Namboothiri Warrier Mathew Joseph",
            "Thiruvananthapuram, Kerala, 695001; Kochi, Kerala, 682001; Kozhikode, Kerala, 673001;"
            " Thrissur, Kerala, 680001; Kollam, Kerala, 691001"),
    _region("Kannada",
            "Basavaraj Chandan Darshan Girish Manjunath Nagaraj Prajwal Raghavendra Shivakumar Sudeep Vinay"
            " Puneeth Mallikarjun",
            "Bhavya Chaitra Kavya Pavithra Rashmi Roopa Shilpa Shruthi Spandana Veena Nandini",
            "Gowda Hegde Shetty Rao Kamath Bhat Patil Naik Kulkarni Shenoy Acharya",
            "Bengaluru, Karnataka, 560001; Mysuru, Karnataka, 570001; Mangaluru, Karnataka, 575001;"
            " Hubballi, Karnataka, 580020; Belagavi, Karnataka, 590001"),
    _region("Punjabi",
            "Amarjit Balwinder Gurdeep Harbhajan Jagdeep Jaswant Kuldeep Navdeep Paramjit Ranjit Sukhwinder"
            " Tejinder Inderjit",
            "Amrit Baljeet Gurleen Harleen Jasleen Kirandeep Manjeet Navneet Rupinder Simran Sukhpreet Parminder",
            "Singh Gill Sandhu Sidhu Dhillon Grewal Brar Bajwa Arora Kapoor Malhotra Khanna",
            "Amritsar, Punjab, 143001; Ludhiana, Punjab, 141001; Jalandhar, Punjab, 144001;"
            " Patiala, Punjab, 147001; Chandigarh, Chandigarh, 160017; Mohali, Punjab, 160055",
            female_surnames="Kaur Gill Sandhu Sidhu Dhillon Grewal Brar Bajwa Arora Kapoor Malhotra Khanna"),
    _region("Gujarati",
            "Bhavesh Chirag Dhaval Hardik Hiren Jignesh Ketan Mehul Nilesh Paresh Parth Tejas Jayesh",
            "Bhavna Dhara Falguni Hetal Jinal Khushbu Krupa Mital Nirali Rinku Trupti Urvashi Foram",
            "Patel Shah Desai Mehta Joshi Parikh Trivedi Modi Bhatt Thakkar Vyas Pandya Dave",
            "Ahmedabad, Gujarat, 380001; Surat, Gujarat, 395001; Vadodara, Gujarat, 390001;"
            " Rajkot, Gujarat, 360001; Gandhinagar, Gujarat, 382010"),
)

STREETS = (
    "MG Road", "Station Road", "Gandhi Nagar", "Nehru Street", "Main Road", "Temple Street", "Market Road",
    "Park Street", "Ring Road", "Civil Lines", "Shivaji Nagar", "Anna Nagar", "Rajaji Nagar", "Sector 12",
    "Sector 21", "Model Town", "Ambedkar Colony", "Subhash Marg", "Lake View Road", "Church Street",
    "Patel Nagar", "Tilak Road", "Indira Colony", "Vivekananda Road", "Netaji Road", "Ashok Vihar",
)
BUILDINGS = ("Sai Residency", "Green Park Apartments", "Shanti Niketan", "Lotus Towers", "Krishna Enclave",
             "Sunrise Heights", "Ganga Apartments", "Royal Palms")
ALLERGIES = ("Penicillin", "Sulfa drugs", "Peanuts", "Dust mites", "Pollen", "Aspirin", "Ibuprofen",
             "Shellfish", "Eggs", "Milk", "Latex", "Cat dander")
CONDITIONS = ("Type 2 diabetes", "Hypertension", "Asthma", "Hypothyroidism", "High cholesterol",
              "Migraine", "Arthritis", "Chronic kidney disease", "Coronary artery disease", "PCOS",
              "Anaemia", "GERD", "Allergic rhinitis", "Epilepsy")
CASES = (  # symptoms, diagnosis, prescription
    ("Fever and body ache for 3 days", "Viral fever", "Paracetamol 650 mg thrice daily for 3 days; fluids"),
    ("Cough and sore throat", "Upper respiratory tract infection", "Azithromycin 500 mg once daily for 3 days"),
    ("Burning urination", "Urinary tract infection", "Nitrofurantoin 100 mg twice daily for 5 days"),
    ("Loose motions since yesterday", "Acute gastroenteritis", "ORS after every stool; zinc 20 mg daily"),
    ("Headache and dizziness", "Hypertension, uncontrolled", "Amlodipine 5 mg once daily; low salt diet"),
    ("Follow-up for sugar control", "Type 2 diabetes", "Metformin 500 mg twice daily; HbA1c in 3 months"),
    ("Wheezing at night", "Bronchial asthma", "Salbutamol inhaler as needed; budesonide inhaler twice daily"),
    ("Knee pain while climbing stairs", "Osteoarthritis of knee", "Physiotherapy; paracetamol as needed"),
    ("Itchy rash on arms", "Contact dermatitis", "Cetirizine 10 mg at night; calamine lotion"),
    ("Acidity after meals", "Gastritis", "Pantoprazole 40 mg before breakfast for 14 days"),
    ("Tiredness and weight gain", "Hypothyroidism", "Levothyroxine 50 mcg empty stomach; TSH in 6 weeks"),
    ("Sneezing and running nose", "Allergic rhinitis", "Levocetirizine 5 mg at night for 5 days"),
    ("Lower back pain", "Lumbar strain", "Rest; diclofenac gel; back exercises"),
    ("Child with fever and cold", "Viral upper respiratory infection", "Paracetamol syrup by weight; steam"),
    ("Routine health check-up", "Healthy; advised annual review", "Balanced diet and daily walk"),
    ("Pain in the ear", "Otitis media", "Amoxicillin 500 mg thrice daily for 5 days"),
)


def first_name_genders() -> dict[str, str]:
    """Every first name the generator uses, with its gender (each name has exactly one)."""
    genders: dict[str, str] = {}
    for region in REGIONS:
        genders.update(dict.fromkeys(region.male, "male"))
        genders.update(dict.fromkeys(region.female, "female"))
    return genders


# --- the plan: how many of what, and on which day ----------------------------------------------------------

def minimum_doctors(appointments: int, *, fill: float = FILL) -> int:
    """How many doctors it takes for `appointments` to fill at most `fill` of their slots in the window."""
    return max(1, math.ceil(appointments / (fill * SLOTS_PER_DAY * DAYS)))


@dataclass(frozen=True)
class _Plan:
    seed: int
    today: date
    patients: int
    doctors: int
    receptionists: int
    appointments: int
    payments: bool
    per_day: tuple[int, ...]


def _plan(*, seed: int, patients: int, doctors: int | None, receptionists: int, appointments: int | None,
          payments: bool, today: date | None) -> _Plan:
    if patients < 0 or receptionists < 0 or (appointments or 0) < 0:
        raise ValueError("counts cannot be negative")
    wanted = APPOINTMENTS_PER_PATIENT * patients if appointments is None else appointments
    if doctors is None:
        doctors = max(DEFAULT_DOCTORS, minimum_doctors(wanted)) if wanted else DEFAULT_DOCTORS
    if doctors < 0:
        raise ValueError("counts cannot be negative")
    slots = doctors * SLOTS_PER_DAY * DAYS
    if appointments is None:
        appointments = min(wanted, int(slots * FILL))
    if appointments > slots:
        raise ValueError(f"{appointments} appointments do not fit the {slots} slots of {doctors} doctors over "
                         f"{DAYS} days; use at least {math.ceil(appointments / (SLOTS_PER_DAY * DAYS))} doctors")
    if appointments and not patients:
        raise ValueError("appointments need patients")
    today = today or datetime.now(CLINIC_TZ).date()
    return _Plan(seed, today, patients, doctors, receptionists, appointments, payments,
                 _per_day(appointments, today, doctors * SLOTS_PER_DAY))


def _per_day(total: int, today: date, capacity: int) -> tuple[int, ...]:
    """Appointments per day of the window, exactly `total`, none over `capacity`.

    Past weekdays are full days, Sundays quieter, bookings thin out beyond next week, and today always has a
    visible schedule so the desk looks alive even for a small clinic.
    """
    weights = []
    for index in range(DAYS):
        day = today + timedelta(days=index - PAST_DAYS)
        ahead = index - PAST_DAYS
        weight = 1.0 if ahead <= 7 else 0.35
        weights.append(weight * (0.4 if day.weekday() == 6 else 1.0))
    counts = [0] * DAYS
    share_today = round(total * weights[PAST_DAYS] / sum(weights))
    counts[PAST_DAYS] = min(capacity, total, max(share_today, min(total // 10, capacity // 2)))
    weights[PAST_DAYS] = 0.0
    left = total - counts[PAST_DAYS]
    while left:
        open_days = [i for i in range(DAYS) if counts[i] < capacity and weights[i] > 0] or \
                    [i for i in range(DAYS) if counts[i] < capacity]
        weight_sum = sum(weights[i] for i in open_days) or float(len(open_days))
        given = 0
        for i in open_days:
            add = min(capacity - counts[i], int(left * (weights[i] or 1.0) / weight_sum))
            counts[i] += add
            given += add
        if not given:
            for i in sorted(open_days, key=lambda i: (-weights[i], i))[:left]:
                counts[i] += 1
                given += 1
        left -= given
    return tuple(counts)


# --- rows, as COPY text lines --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Ids:
    """The first id of this run in each table."""

    users: int
    patient_profiles: int
    appointments: int
    payments: int


class _Pools:
    """Precomputed strings so the per-row work is picking, not formatting dates."""

    def __init__(self, today: date) -> None:
        def stamp(day: date, at: clock) -> str:
            return datetime.combine(day, at, CLINIC_TZ).isoformat(sep=" ")

        self.window_start = today - timedelta(days=PAST_DAYS)
        self.slots: list[list[str]] = []  # per day of the window, the start of each slot
        for index in range(DAYS):
            day = self.window_start + timedelta(days=index)
            day_slots = []
            for start, end in SESSIONS:
                minute = start.hour * 60 + start.minute
                while minute < end.hour * 60 + end.minute:
                    day_slots.append(stamp(day, clock(minute // 60, minute % 60)))
                    minute += SLOT_MINUTES
            self.slots.append(day_slots)
        desk_minutes = [clock(h, m) for h in range(9, 20) for m in range(60)]
        self.desk_times = [datetime.combine(today, at, CLINIC_TZ).isoformat(sep=" ")[10:] for at in desk_minutes]
        # registrations happen up to two years before the window; bookings up to two weeks before the slot
        self.before_window = [(self.window_start - timedelta(days=n)).isoformat() for n in range(1, 731)]
        self.days = [(self.window_start + timedelta(days=n)).isoformat() for n in range(-16, DAYS)]
        self.dates_of_birth = [(today - timedelta(days=n)).isoformat() for n in range(0, 91 * 365)]
        self.forty_years_ago = (today - timedelta(days=40 * 365 + 10)).isoformat()
        self.staff_since = stamp(self.window_start - timedelta(days=800), clock(9, 0))


def _mobile(r: Callable[[], float]) -> str:
    return f"+91{6_000_000_000 + int(r() * 4_000_000_000)}"


def _staff_rows(rng: Random, plan: _Plan, first_id: int, hashes: Sequence[str], taken: set[str],
                pools: _Pools) -> tuple[list[str], list[int], list[str]]:
    """Lines for COPY users, the doctors' ids, and each doctor's consultation fee."""
    r = rng.random
    lines, doctor_ids, fees = [], [], []
    roles = ["doctor"] * plan.doctors + ["receptionist"] * plan.receptionists
    for n, role in enumerate(roles):
        region = REGIONS[int(r() * len(REGIONS))]
        female = r() < 0.5
        first = rng.choice(region.female if female else region.male)
        last = rng.choice(region.female_surnames if female else region.surnames)
        prefix = "dr." if role == "doctor" else ""
        local = f"{prefix}{first}.{last}".lower()
        email, suffix = f"{local}@{STAFF_EMAIL_DOMAIN}", 1
        while email in taken:
            suffix += 1
            email = f"{local}{suffix}@{STAFF_EMAIL_DOMAIN}"
        taken.add(email)
        name = f"Dr. {first} {last}" if role == "doctor" else f"{first} {last}"
        user_id = first_id + n
        lines.append(f"{user_id}\t{email}\t{hashes[n % len(hashes)]}\t{name}\t{_mobile(r)}\t{role}\tt"
                     f"\t{pools.staff_since}\t{pools.staff_since}\n")
        if role == "doctor":
            doctor_ids.append(user_id)
            fees.append(f"{300 + 50 * int(r() * 25)}.00")
    return lines, doctor_ids, fees


def _doctor_rows(doctor_ids: Sequence[int], fees: Sequence[str]) -> tuple[list[str], list[str]]:
    """doctor_profiles lines (specialties in turn, the fee the payments use, 15-minute slots) and doctor_sessions
    lines: SESSIONS on every day of the week, matching the slots the appointments are placed in."""
    profiles, sessions = [], []
    for n, (doctor_id, fee) in enumerate(zip(doctor_ids, fees, strict=True)):
        specialty, qualification = SPECIALTIES[n % len(SPECIALTIES)]
        registration = f"IMR/{2005 + doctor_id % 15}/{10000 + doctor_id * 7 % 90000}"
        profiles.append(f"{doctor_id}\t{specialty}\t{qualification}\t{registration}\t{fee}\t{SLOT_MINUTES}\n")
        for weekday in WORKING_WEEKDAYS:
            for start, end in SESSIONS:
                sessions.append(f"{doctor_id}\t{weekday}\t{start:%H:%M}\t{end:%H:%M}\n")
    return profiles, sessions


def _patient_rows(rng: Random, plan: _Plan, first_id: _Ids, pools: _Pools) -> Iterator[tuple[str, str]]:
    """(users line, patient_profiles line) for each patient."""
    r = rng.random
    regions = [(region, [(pin, f", {city}, {state} ") for city, state, pin in region.cities]) for region in REGIONS]
    n_regions = len(regions)
    streets, n_streets = STREETS, len(STREETS)
    buildings, n_buildings = BUILDINGS, len(BUILDINGS)
    registered, n_registered = pools.before_window, len(pools.before_window)
    times, n_times = pools.desk_times, len(pools.desk_times)
    births, n_births = pools.dates_of_birth, len(pools.dates_of_birth)
    forty = pools.forty_years_ago
    allergies, n_allergies = ALLERGIES, len(ALLERGIES)
    conditions, n_conditions = CONDITIONS, len(CONDITIONS)
    domains = PATIENT_EMAIL_DOMAINS
    for n in range(plan.patients):
        user_id = first_id.users + n
        region, cities = regions[int(r() * n_regions)]
        if r() < 0.5:
            gender, names, surnames = "female", region.female, region.female_surnames
        else:
            gender, names, surnames = "male", region.male, region.surnames
        first = names[int(r() * len(names))]
        last = surnames[int(r() * len(surnames))]
        phone = f"+91{6_000_000_000 + int(r() * 4_000_000_000)}"
        email = f"{first.lower()}.{last.lower()}{user_id}@{domains[user_id % 3]}" if r() < 0.3 else NULL
        since = f"{registered[int(r() * n_registered)]}{times[int(r() * n_times)]}"

        born = births[int(r() * n_births)]
        pin, city = cities[int(r() * len(cities))]
        if r() < 0.3:
            house = f"Flat {100 * (1 + int(r() * 12)) + 1 + int(r() * 8)}, {buildings[int(r() * n_buildings)]}"
        else:
            house = str(1 + int(r() * 250))
        address = f"{house}, {streets[int(r() * n_streets)]}{city}{pin + int(r() * 60)}"
        emergency = f"+91{6_000_000_000 + int(r() * 4_000_000_000)}" if r() < 0.8 else NULL
        x = r()
        if x < 0.75:
            allergy = NULL
        elif x < 0.95:
            allergy = allergies[int(r() * n_allergies)]
        else:
            a, b = int(r() * n_allergies), int(r() * n_allergies)
            allergy = allergies[a] if a == b else f"{allergies[a]}, {allergies[b]}"
        older = born < forty
        x = r()
        if x < (0.45 if older else 0.8):
            history = NULL
        elif x < (0.8 if older else 0.95):
            history = conditions[int(r() * n_conditions)]
        else:
            a, b = int(r() * n_conditions), int(r() * n_conditions)
            history = conditions[a] if a == b else f"{conditions[a]}, {conditions[b]}"
        yield (f"{user_id}\t{email}\t{NULL}\t{first} {last}\t{phone}\tpatient\tf\t{since}\t{since}\n",
               f"{first_id.patient_profiles + n}\t{user_id}\t{born}\t{gender}\t{address}\t{emergency}"
               f"\t{history}\t{allergy}\t{since}\n")


def _appointment_rows(rng: Random, plan: _Plan, ids: _Ids, patient_ids: range, doctor_ids: Sequence[int],
                      fees: Sequence[str], pools: _Pools) -> Iterator[tuple[str, str | None]]:
    """(appointments line, payments line or None) in time order; no doctor has two rows in one slot."""
    r = rng.random
    n_doctors = len(doctor_ids)
    cases, n_cases = CASES, len(CASES)
    times, n_times = pools.desk_times, len(pools.desk_times)
    days = pools.days  # days[16 + i] is day i of the window
    first_patient, n_patients = patient_ids.start, len(patient_ids)
    appointment_id, payment_id = ids.appointments, ids.payments
    with_payments = plan.payments
    for index, count in enumerate(plan.per_day):
        if not count:
            continue
        slots = pools.slots[index]
        past = index < PAST_DAYS
        for k in sorted(rng.sample(range(n_doctors * SLOTS_PER_DAY), count)):
            slot, d = divmod(k, n_doctors)
            when = slots[slot]
            patient_id = first_patient + int(r() * n_patients)
            x = r()
            if past:
                status = "completed" if x < 0.84 else "no_show" if x < 0.91 else "cancelled"
            else:
                status = "scheduled" if x < 0.94 else "cancelled"
            kind = "offline" if r() < 0.9 else "online"
            symptoms, diagnosis, prescription = cases[int(r() * n_cases)]
            booked = days[16 + min(index - 1 - int(r() * 14), PAST_DAYS - 1)] + times[int(r() * n_times)]
            payment = None
            if status == "completed":
                line = (f"{appointment_id}\t{patient_id}\t{doctor_ids[d]}\t{when}\tcompleted\t{kind}\t{symptoms}"
                        f"\t{diagnosis}\t{prescription}\t{booked}\n")
                if with_payments:
                    x = r()
                    if x < 0.55:
                        r()  # drawn still, so the rest of a seeded clinic stays as it was
                        utr = f"{payment_id * UTR_STEP % 10**12:012d}"  # one UTR per payment (schema 0015)
                        method, transaction, upi = "upi", f"DEMO-UPI-{payment_id}", utr  # unique, like a gateway id
                    elif x < 0.9:
                        method, transaction, upi = "cash", NULL, NULL
                    else:
                        slip = int(r() * 1e10)
                        method, transaction, upi = "card", f"DEMO-CARD-{payment_id}-{slip:010d}", NULL
                    payment = (f"{payment_id}\t{patient_id}\t{appointment_id}\t{fees[d]}\tINR\t{method}\tcompleted"
                               f"\t{transaction}\t{upi}\t{when}\t{when}\t{doctor_ids[d]}\n")
                    payment_id += 1
            else:
                line = (f"{appointment_id}\t{patient_id}\t{doctor_ids[d]}\t{when}\t{status}\t{kind}\t{symptoms}"
                        f"\t{NULL}\t{NULL}\t{booked}\n")
            appointment_id += 1
            yield line, payment


# --- loading -------------------------------------------------------------------------------------------------

_USERS = "COPY users (id, email, password_hash, full_name, phone, role, is_verified, created_at, updated_at) FROM STDIN"
_PROFILES = ("COPY patient_profiles (id, user_id, date_of_birth, gender, address, emergency_contact,"
             " medical_history, allergies, created_at) FROM STDIN")
_APPOINTMENTS = ("COPY appointments (id, patient_id, doctor_id, appointment_date, status, consultation_type,"
                 " symptoms, diagnosis, prescription, created_at) FROM STDIN")
_DOCTOR_PROFILES = ("COPY doctor_profiles (user_id, specialty, qualification, registration_number, consultation_fee,"
                    " slot_minutes) FROM STDIN")
_DOCTOR_SESSIONS = "COPY doctor_sessions (doctor_id, weekday, starts_at, ends_at) FROM STDIN"
_PAYMENTS = ("COPY payments (id, patient_id, appointment_id, amount, currency, payment_method, status,"
             " transaction_id, upi_transaction_id, payment_date, created_at, doctor_id) FROM STDIN")


def generate(bind: Engine | Connection, *, seed: int = 7, patients: int = 300, doctors: int | None = None,
             receptionists: int = DEFAULT_RECEPTIONISTS, appointments: int | None = None, payments: bool = True,
             today: date | None = None) -> DemoSummary:
    """Append a demo clinic to the database and return what was added.

    `doctors=None` means 6, or as many as the appointments need to fill at most 80% of the slots.
    `appointments=None` means 3 per patient, at most 80% of the doctors' slots. Past 180 days and next 30
    relative to `today` (default: today in Asia/Kolkata).

    Given an Engine, runs in its own transaction and commits. Given a Connection, runs inside the caller's
    transaction, which the caller commits or rolls back. Raises ValueError before touching the database when
    the numbers do not fit.
    """
    plan = _plan(seed=seed, patients=patients, doctors=doctors, receptionists=receptionists,
                 appointments=appointments, payments=payments, today=today)
    started = time.perf_counter()
    hashes = _unknown_password_hashes(plan.doctors + plan.receptionists)  # slow: before any lock
    seconds = {"password_hashes": time.perf_counter() - started}
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            return _load(conn, plan, hashes, seconds)
    return _load(bind, plan, hashes, seconds)


def _unknown_password_hashes(staff: int) -> list[str]:
    """bcrypt hashes of random secrets that are thrown away: nobody can sign in until an admin resets them."""
    count = min(staff, DISTINCT_STAFF_HASHES)
    if not count:
        return []
    with ThreadPoolExecutor(max_workers=4) as pool:  # bcrypt releases the GIL
        return list(pool.map(lambda _: hash_password(secrets.token_urlsafe(32)), range(count)))


def _load(conn: Connection, plan: _Plan, hashes: Sequence[str], seconds: dict[str, float]) -> DemoSummary:
    started = time.perf_counter()
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    owner = _owns_the_tables(conn)  # the desk's own role may not alter tables: it loads with the triggers on
    bulk = owner and plan.patients + plan.appointments >= BULK_ROWS
    for table in _TABLES:  # others may read meanwhile (unless bulk), but nobody takes an id inside our ranges
        mode = "ACCESS EXCLUSIVE" if bulk and table in _REFERENCING else "SHARE ROW EXCLUSIVE"
        conn.execute(text(f"LOCK TABLE {table} IN {mode} MODE"))
    foreign_keys = _drop_foreign_keys(conn) if bulk else []
    # the payments' doctor is written here (the appointment's), not looked up by a trigger call per payment
    if owner:
        conn.execute(text("ALTER TABLE payments DISABLE TRIGGER payments_doctor"))
    if bulk:  # the search table is filled once below instead of by a trigger call per patient
        conn.execute(text("ALTER TABLE users DISABLE TRIGGER users_patient_search"))
    ids = _Ids(**{table: _next_free_id(conn, table) for table in _TABLES})
    taken = set(conn.scalars(text("SELECT email FROM users WHERE email LIKE :pattern"),
                             {"pattern": f"%@{STAFF_EMAIL_DOMAIN}"}))
    pools = _Pools(plan.today)
    cursor = conn.connection.driver_connection.cursor()  # the psycopg connection, inside this transaction
    try:
        mark = time.perf_counter()
        staff, doctor_ids, fees = _staff_rows(Random(f"{plan.seed}/staff"), plan, ids.users, hashes, taken, pools)
        if staff:
            with cursor.copy(_USERS) as copy:
                copy.write("".join(staff))
        if doctor_ids:
            profiles_, sessions_ = _doctor_rows(doctor_ids, fees)
            with cursor.copy(_DOCTOR_PROFILES) as copy:
                copy.write("".join(profiles_))
            with cursor.copy(_DOCTOR_SESSIONS) as copy:
                copy.write("".join(sessions_))
        seconds["staff"] = time.perf_counter() - mark

        mark = time.perf_counter()
        patient_ids = _Ids(ids.users + len(staff), ids.patient_profiles, ids.appointments, ids.payments)
        patients, profiles = _copy_pairs(cursor, _USERS, _PROFILES,
                                         _patient_rows(Random(f"{plan.seed}/patients"), plan, patient_ids, pools))
        seconds["patients"] = time.perf_counter() - mark

        mark = time.perf_counter()
        appointments, payments = _copy_pairs(
            cursor, _APPOINTMENTS, _PAYMENTS,
            _appointment_rows(Random(f"{plan.seed}/appointments"), plan, ids,
                              range(patient_ids.users, patient_ids.users + patients), doctor_ids, fees, pools))
        seconds["appointments"] = time.perf_counter() - mark
    finally:
        cursor.close()
    assert patients == profiles == plan.patients and appointments == plan.appointments
    for table, added in (("users", len(staff) + patients), ("patient_profiles", profiles),
                         ("appointments", appointments), ("payments", payments)):
        if added:
            _move_sequence_past(conn, table, getattr(ids, table) + added - 1, owner=owner)
    if bulk:
        mark = time.perf_counter()
        conn.execute(text("INSERT INTO patient_search (user_id, name_key) SELECT id, lower(full_name) FROM users"
                          " WHERE role = 'patient' AND id >= :first"), {"first": patient_ids.users})
        conn.execute(text("ALTER TABLE users ENABLE TRIGGER users_patient_search"))
        seconds["search_keys"] = time.perf_counter() - mark
    if owner:
        conn.execute(text("ALTER TABLE payments ENABLE TRIGGER payments_doctor"))
    if foreign_keys:
        mark = time.perf_counter()
        _restore_foreign_keys(conn, foreign_keys)
        seconds["foreign_keys"] = time.perf_counter() - mark
    seconds["load"] = time.perf_counter() - started
    summary = DemoSummary(plan.seed, plan.today, plan.doctors, plan.receptionists, patients, appointments,
                          payments, seconds)
    log.info("demo data generated: %s in %.1f s", summary.as_dict(), seconds["load"])
    return summary


def _owns_the_tables(conn: Connection) -> bool:
    return bool(conn.scalar(text(
        "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = 'payments'::regclass")))


def _move_sequence_past(conn: Connection, table: str, last: int, *, owner: bool) -> None:
    """setval needs UPDATE on the sequence, which the desk's own role lacks: it draws the ids up to `last` (the
    sequence was drawn from in this transaction by `_next_free_id`)."""
    if owner:
        conn.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                     {"table": table, "last": last})
        return
    conn.execute(text("SELECT count(nextval(pg_get_serial_sequence(:table, 'id'))) FROM generate_series("
                      "currval(pg_get_serial_sequence(:table, 'id')) + 1, :last)"), {"table": table, "last": last})


def _next_free_id(conn: Connection, table: str) -> int:
    """Above every id in the table and every id the identity sequence has handed out."""
    return conn.scalar(text(
        f"SELECT greatest(nextval(pg_get_serial_sequence('{table}', 'id')),"
        f" (SELECT coalesce(max(id), 0) + 1 FROM {table}))"))


def _drop_foreign_keys(conn: Connection) -> list[tuple[str, str, str]]:
    """Drop the foreign keys of the tables we load, as pg_restore does: checking each row costs three times
    the load. Returns (table, name, definition) to put them back, exactly as they were, in this transaction."""
    found = [(table, name, definition) for table, name, definition in conn.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[])) ORDER BY conrelid, conname"),
        {"tables": list(_REFERENCING)})]
    for table, name, _ in found:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    return found


def _restore_foreign_keys(conn: Connection, foreign_keys: Sequence[tuple[str, str, str]]) -> None:
    """Re-adding a foreign key checks every row in one join, far faster than a trigger per row."""
    for table, name, definition in foreign_keys:
        conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))


def _copy_pairs(cursor: psycopg.Cursor[Any], first: str, second: str,
                pairs: Iterator[tuple[str, str | None]]) -> tuple[int, int]:
    """COPY the first lines of `pairs` into one table and the second (when not None) into another.

    Chunk by chunk, so the second table's rows (which reference the first's) wait in memory only for one
    chunk, and generating the next lines overlaps with PostgreSQL storing the previous ones.
    """
    firsts = seconds = 0
    pending: tuple[str, str | None] | None = next(pairs, None)
    while pending is not None:
        held: list[str] = []
        with cursor.copy(first, writer=QueuedLibpqWriter(cursor)) as copy:
            batch: list[str] = []
            rows = 0
            while pending is not None and rows < _CHUNK_ROWS:
                line, other = pending
                batch.append(line)
                if other is not None:
                    held.append(other)
                rows += 1
                if len(batch) >= _WRITE_ROWS:
                    copy.write("".join(batch))
                    batch.clear()
                pending = next(pairs, None)
            if batch:
                copy.write("".join(batch))
        firsts += rows
        if held:
            with cursor.copy(second, writer=QueuedLibpqWriter(cursor)) as copy:
                for start in range(0, len(held), _WRITE_ROWS):
                    copy.write("".join(held[start:start + _WRITE_ROWS]))
            seconds += len(held)
    return firsts, seconds


# --- what the demo service needs -------------------------------------------------------------------------------

class DemoDatabase:
    """The demo service's view of one transaction: serialise desks, look, generate, record."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def lock(self) -> None:
        """Desks starting together take turns from here to the end of the transaction."""
        self._conn.execute(text("SET LOCAL lock_timeout = '5min'"))
        self._conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DEMO_LOCK})

    def has_patients(self) -> bool:
        return bool(self._conn.scalar(text("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'patient')")))

    def generate(self, **options: Any) -> DemoSummary:
        return generate(self._conn, **options)

    def record_generated(self, summary: DemoSummary) -> None:
        self._conn.execute(insert(AuditEntry).values(
            actor_id=None, actor_role=None, action="demo_data_generated", entity="clinic", entity_id=None,
            after=summary.as_dict()))


@contextmanager
def transaction(uow: UnitOfWork) -> Iterator[DemoDatabase]:
    """Commits when the block ends normally, rolls everything back when it raises (the bulk COPY needs the
    driver's connection, which the unit of work's Session does not hand out)."""
    with uow.side_transaction() as conn:
        yield DemoDatabase(conn)


def database_size(engine: Engine) -> int:
    """Bytes the current database takes on disk."""
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_database_size(current_database())")))
