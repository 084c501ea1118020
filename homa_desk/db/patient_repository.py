"""Patients in the database: registration, search pages, likely duplicates and the profile, each one statement.

Search rules (why each query is shaped as it is):
- a number is a patient number (exact) or a phone fragment; 4+ digits use the index of the phones' 4- and 5-digit
  pieces (schema 0012), 3 digits the phone trigram index;
- a name fragment of 3+ characters is `name_key LIKE '%frag%'` in the narrow `patient_search` table (one row of
  user id and lowercased name per patient, kept by a trigger), served by its trigram index: rechecking the
  matches there reads 2.5x fewer pages than `users` and computes no lower() per row;
- a 1-2 character name is a prefix of the name, served by the (lower(full_name), id) btree that also gives the
  order, because trigram indexes cannot help with fewer than three characters.
Every page is ordered by (lower(full_name), id) and continues after the last row of the previous page (keyset).
Whatever the query, a patient whose old (paper) file number is exactly the query comes first on the first page and
is left out of the name order, one probe of the unique index on lower(old_file_number) (schema 0021).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homa_desk.db.like import LIKE_ESCAPE, containing
from homa_desk.db.models import PatientProfile, User
from homa_desk.domain.errors import FormErrors, NotFound, ValidationError
from homa_desk.domain.notifications import Language, language_of
from homa_desk.domain.patients import (
    MAX_OLD_FILE_NUMBER,
    AppointmentLine,
    Gender,
    PatientDetails,
    PatientSummary,
)
from homa_desk.domain.validation import ascii_digits, national_mobile

DUPLICATE_NAME_SIMILARITY = 0.45
PAST_APPOINTMENTS_SHOWN = 50
EMAIL_TAKEN = "Another record already uses this e-mail."
OLD_FILE_NUMBER_INDEX = "ux_patient_profiles_old_file_number"

_SUMMARY_COLUMNS = """u.id, p.patient_number, u.full_name, u.phone, p.gender::text AS gender, p.date_of_birth,
       p.dob_is_estimate, lower(u.full_name) AS sort_key, p.old_file_number"""



def _prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string after every name starting with `prefix` in a-z/0-9 order, or None when unsure.

    Only ASCII letters and digits are stepped (their collation order is the same in C and the usual locales);
    for anything else the scan runs from the prefix to the end of the index, which the LIMIT cuts short.
    """
    stem = prefix
    while stem:
        last = stem[-1]
        if last.isascii() and last.isalnum() and last not in "z9":
            return stem[:-1] + chr(ord(last) + 1)
        if last in "z9":
            stem = stem[:-1]
            continue
        return None
    return None


def phone_digits(query: str) -> str | None:
    """The digits of a query that is a number or phone fragment ("98765", "+91 98765 43210", "0091 98765 43210"),
    without a country or trunk prefix before ten digits; None for anything else (only 0-9 are digits)."""
    compact = re.sub(r"[\s()+-]", "", query)
    return national_mobile(compact) if ascii_digits(compact) else None


def _summary(row: Any) -> PatientSummary:
    return PatientSummary(user_id=row.id, patient_number=row.patient_number, full_name=row.full_name,
                          phone=row.phone, gender=Gender(row.gender) if row.gender else None,
                          date_of_birth=row.date_of_birth, dob_is_estimate=row.dob_is_estimate,
                          sort_key=row.sort_key, old_file_number=row.old_file_number)


def _appointment(item: dict[str, Any]) -> AppointmentLine:
    return AppointmentLine(id=item["id"], starts_at=datetime.fromisoformat(item["starts_at"]),
                           doctor_name=item["doctor_name"], status=item["status"],
                           consultation_type=item["consultation_type"], is_walk_in=item["is_walk_in"])


def _old_file_first(sql: str) -> str:
    """`sql` (a page of `:fetch` rows in name order) with the patient whose old file number is the query put first
    on the first page and left out of every page's name order, so pages stay `:limit` rows and repeat no one."""
    return f"""
        WITH exact AS (SELECT user_id AS id FROM patient_profiles
                       WHERE lower(old_file_number) = :file AND old_file_number IS NOT NULL),
             named AS ({sql})
        SELECT * FROM (
            SELECT {_SUMMARY_COLUMNS}, 0 AS exact_first
            FROM exact e JOIN users u ON u.id = e.id JOIN patient_profiles p ON p.user_id = u.id
            WHERE u.role = 'patient' AND :first_page
            UNION ALL
            (SELECT n.*, 1 FROM named n WHERE n.id NOT IN (SELECT id FROM exact) ORDER BY n.sort_key, n.id
             LIMIT :limit)) r
        ORDER BY exact_first, sort_key, id"""


def _old_file_params(params: dict[str, Any], words: str, after: tuple[str, int] | None) -> dict[str, Any]:
    """The name-order page fetches one row more, in case the exact old-file match is among its rows."""
    return {**params, "fetch": params["limit"] + 1, "first_page": after is None,
            "file": words if len(words) <= MAX_OLD_FILE_NUMBER else None}


class PatientRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writing ---------------------------------------------------------------------------------------------

    def add(self, details: PatientDetails) -> PatientSummary:
        """Insert the users row and its patient_profiles row (the caller's transaction holds both)."""
        user = User(email=details.email, password_hash=None, full_name=details.full_name, phone=details.phone,
                    role="patient", is_verified=False)
        profile = PatientProfile(date_of_birth=details.date_of_birth,
                                 gender=details.gender.value if details.gender else None,
                                 address=details.address, emergency_contact=details.emergency_contact,
                                 allergies=details.allergies, medical_history=details.medical_history or None,
                                 dob_is_estimate=details.dob_is_estimate,
                                 preferred_language=(details.language or Language.ENGLISH).value,
                                 old_file_number=details.old_file_number or None)
        try:
            with self._session.begin_nested():
                self._session.add(user)
                self._session.flush()
                profile.user_id = user.id
                self._session.add(profile)
                self._session.flush()
        except IntegrityError as error:
            raise self._refusal(error, details) from None
        summary = self.summary(user.id)
        assert summary is not None
        return summary

    def email_taken(self, email: str, *, except_user_id: int | None = None) -> bool:
        return self._session.execute(
            text("SELECT EXISTS (SELECT 1 FROM users WHERE email = :email AND id IS DISTINCT FROM :me)"),
            {"email": email, "me": except_user_id},
        ).scalar_one()

    def clinical_for_update(self, user_id: int) -> dict[str, Any]:
        """The editable fields now, row-locked so two desks editing one patient apply one after the other."""
        row = self._session.execute(text("""
            SELECT u.full_name, u.phone, u.email, p.date_of_birth, p.dob_is_estimate, p.gender::text AS gender,
                   p.address, p.emergency_contact, p.allergies, p.medical_history, p.preferred_language,
                   p.old_file_number
            FROM users u JOIN patient_profiles p ON p.user_id = u.id
            WHERE u.id = :id AND u.role = 'patient'
            FOR UPDATE OF u, p"""), {"id": user_id}).mappings().first()
        if row is None:
            raise NotFound("No such patient.")
        return dict(row)

    def update(self, user_id: int, details: PatientDetails, *, medical_history: bool) -> None:
        """Write the form; the medical history only when `medical_history` (the service checks the role), the
        language only when the form gives one (None keeps it)."""
        try:
            with self._session.begin_nested():
                self._session.execute(text("""
                    UPDATE users SET full_name = :full_name, phone = :phone, email = :email WHERE id = :id"""),
                    {"id": user_id, "full_name": details.full_name, "phone": details.phone, "email": details.email})
                self._session.execute(text(f"""
                    UPDATE patient_profiles SET date_of_birth = :dob, dob_is_estimate = :estimate,
                        gender = CAST(:gender AS gender), address = :address, emergency_contact = :emergency,
                        allergies = :allergies,
                        preferred_language = coalesce(CAST(:language AS varchar(2)), preferred_language),
                        old_file_number = CASE WHEN CAST(:file AS text) IS NULL THEN old_file_number
                                               ELSE nullif(CAST(:file AS text), '') END
                        {", medical_history = :history" if medical_history else ""}
                    WHERE user_id = :id"""),
                    {"id": user_id, "dob": details.date_of_birth, "estimate": details.dob_is_estimate,
                     "gender": details.gender.value if details.gender else None, "address": details.address,
                     "emergency": details.emergency_contact, "allergies": details.allergies,
                     "history": details.medical_history or None,
                     "language": details.language.value if details.language else None,
                     "file": details.old_file_number})
        except IntegrityError as error:
            raise self._refusal(error, details) from None

    def _refusal(self, error: IntegrityError, details: PatientDetails) -> Exception:
        """The form's message for a unique rule PostgreSQL enforced, or the error itself for anything else."""
        if "users_email_key" in str(error.orig):
            return FormErrors([ValidationError("email", EMAIL_TAKEN)])
        if OLD_FILE_NUMBER_INDEX in str(error.orig):
            holder = self._session.execute(text(
                "SELECT patient_number FROM patient_profiles WHERE lower(old_file_number) = lower(:file)"),
                {"file": details.old_file_number}).scalar()
            return FormErrors([ValidationError(
                "old_file_number", "Patient no. {holder} already has this old file number.", holder=holder)])
        return error

    # -- reading ---------------------------------------------------------------------------------------------

    def summary(self, user_id: int) -> PatientSummary | None:
        row = self._session.execute(text(f"""
            SELECT {_SUMMARY_COLUMNS} FROM users u JOIN patient_profiles p ON p.user_id = u.id
            WHERE u.id = :id AND u.role = 'patient'"""), {"id": user_id}).first()
        return _summary(row) if row else None

    def search(self, query: str, *, after: tuple[str, int] | None = None, limit: int = 50) -> list[PatientSummary]:
        """One page of patients matching a name fragment, phone fragment or patient number; one statement."""
        words = " ".join(query.split()).lower()
        if not words:
            return []
        params: dict[str, Any] = {"after_key": after[0] if after else None, "after_id": after[1] if after else 0,
                                  "limit": max(1, min(limit, 500))}
        digits = phone_digits(words)
        if digits is not None:
            params["phone"] = f"%{digits}%"
            params["number"] = int(digits) if len(digits) <= 18 else -1
            # The phone matches' names come with their rows from the trigram bitmap: the top of them is taken
            # before the joins, which then touch 50 patients instead of every match (a common fragment: 1,000).
            # Four digits or more: the 4/5-digit pieces index (schema 0012) leaves about as many rows as match;
            # the LIKE on `phone || ''` rechecks them and keeps the weaker trigram index out of the plan.
            keyset = "AND (lower(u.full_name), u.id) > (CAST(:after_key AS text), :after_id)" if after else ""
            params["digits"] = digits
            phone = ("homa_digit_grams(u.phone) @> homa_digit_grams(CAST(:digits AS text)) "
                     "AND (u.phone || '') LIKE :phone" if len(digits) >= 4 else "u.phone LIKE :phone")
            sql = f"""
                SELECT {_SUMMARY_COLUMNS}
                FROM (SELECT id, k FROM (SELECT u.id, lower(u.full_name) AS k FROM users u
                                         WHERE u.role = 'patient' AND {phone} {keyset}
                                         UNION
                                         SELECT u.id, lower(u.full_name) FROM patient_profiles n
                                         JOIN users u ON u.id = n.user_id
                                         WHERE n.patient_number = :number AND u.role = 'patient' {keyset}) found
                      ORDER BY k, id LIMIT :fetch) m
                JOIN users u ON u.id = m.id JOIN patient_profiles p ON p.user_id = u.id
                ORDER BY m.k, m.id"""
        elif len(words) >= 3:
            # Trigram bitmap to the matching rows, then the top of them in name order. The OFFSET 0 fence keeps
            # the planner from walking the whole name-order index instead, which is fast only when matches are
            # spread evenly through the alphabet (a rare fragment walked 1,000,000 entries: 1 s).
            params["pattern"] = containing(words)
            keyset = "AND (name_key, user_id) > (CAST(:after_key AS text), :after_id)" if after else ""
            sql = f"""
                SELECT {_SUMMARY_COLUMNS}
                FROM (SELECT id, k FROM (SELECT user_id AS id, name_key AS k FROM patient_search
                                         WHERE name_key LIKE :pattern ESCAPE '{LIKE_ESCAPE}' {keyset}
                                         OFFSET 0) found
                      ORDER BY k, id LIMIT :fetch) m
                JOIN users u ON u.id = m.id JOIN patient_profiles p ON p.user_id = u.id
                ORDER BY m.k, m.id"""
        else:
            # One or two characters: a prefix of the name, walked in the name-order btree (trigrams need three).
            # For a-z/0-9 the range [prefix, next) is the prefix itself (and, in collations that skip punctuation,
            # also "P.R. Nair" for "pr"); any filter besides the range would make the planner sort the whole range.
            params["prefix"] = words
            params["high"] = _prefix_upper_bound(words)
            keyset = "AND (lower(full_name), id) > (CAST(:after_key AS text), :after_id)" if after else ""
            bound = ("AND lower(full_name) < :high" if params["high"]
                     else "AND starts_with(lower(full_name), :prefix)")
            sql = f"""
                SELECT {_SUMMARY_COLUMNS}
                FROM (SELECT id, lower(full_name) AS k FROM users
                      WHERE role = 'patient' AND lower(full_name) >= :prefix {bound} {keyset}
                      ORDER BY lower(full_name), id LIMIT :fetch) m
                JOIN users u ON u.id = m.id JOIN patient_profiles p ON p.user_id = u.id
                ORDER BY m.k, m.id"""
        return [_summary(row) for row in self._session.execute(text(_old_file_first(sql)),
                                                              _old_file_params(params, words, after))]

    def likely_duplicates(self, full_name: str | None, phone: str | None, *, exclude_user_id: int | None = None,
                          limit: int = 10) -> list[PatientSummary]:
        """Patients with this (normalised) phone, or a name similar by trigrams; same phone first."""
        if not full_name and not phone:
            return []
        if full_name:
            self._session.execute(text(f"SET LOCAL pg_trgm.similarity_threshold = {DUPLICATE_NAME_SIMILARITY}"))
        arms = []
        if phone:
            arms.append("SELECT id, 2.0 AS score FROM users WHERE role = 'patient' AND phone = :phone")
        if full_name:
            arms.append("SELECT user_id AS id, similarity(name_key, lower(:name)) AS score FROM patient_search"
                        " WHERE name_key % lower(:name)")
        rows = self._session.execute(text(f"""
            WITH found AS ({" UNION ALL ".join(arms)}),
            best AS (SELECT id, max(score) AS score FROM found WHERE id IS DISTINCT FROM :exclude GROUP BY id)
            SELECT {_SUMMARY_COLUMNS}
            FROM best b JOIN users u ON u.id = b.id JOIN patient_profiles p ON p.user_id = u.id
            ORDER BY b.score DESC, lower(u.full_name), u.id
            LIMIT :limit"""), {"phone": phone, "name": full_name, "exclude": exclude_user_id, "limit": limit})
        return [_summary(row) for row in rows]

    def profile(self, user_id: int, *, medical_history: bool, now: datetime) -> dict[str, Any]:
        """Details, whether the contact is verified, upcoming and recent appointments (doctor's name, status, time)
        and what is left of the patient's advances (the Advances tab's title), in one statement: the profile page
        opens in one round trip."""
        row = self._session.execute(text(f"""
            SELECT {_SUMMARY_COLUMNS}, u.email, u.is_verified, p.address, p.emergency_contact, p.allergies,
                   p.preferred_language,
                   {"p.medical_history" if medical_history else "NULL::text AS medical_history"}, p.created_at,
                   (SELECT coalesce(json_agg(x ORDER BY x.starts_at), '[]') FROM (
                        SELECT a.id, a.appointment_date AS starts_at, d.full_name AS doctor_name, a.status,
                               a.consultation_type, a.is_walk_in
                        FROM appointments a LEFT JOIN users d ON d.id = a.doctor_id
                        WHERE a.patient_id = u.id AND a.appointment_date >= :now) x) AS upcoming,
                   (SELECT coalesce(json_agg(x ORDER BY x.starts_at DESC), '[]') FROM (
                        SELECT a.id, a.appointment_date AS starts_at, d.full_name AS doctor_name, a.status,
                               a.consultation_type, a.is_walk_in
                        FROM appointments a LEFT JOIN users d ON d.id = a.doctor_id
                        WHERE a.patient_id = u.id AND a.appointment_date < :now
                        ORDER BY a.appointment_date DESC LIMIT {PAST_APPOINTMENTS_SHOWN}) x) AS past,
                   (SELECT count(*) FROM patient_advances pa WHERE pa.patient_id = u.id) AS advances,
                   (SELECT coalesce(sum(pay.amount - pay.refunded_amount - coalesce(
                               (SELECT sum(aa.amount) FROM advance_applications aa
                                WHERE aa.advance_id = pa.id AND aa.returned_at IS NULL), 0)), 0)
                    FROM patient_advances pa JOIN payments pay ON pay.id = pa.payment_id
                    WHERE pa.patient_id = u.id) AS advances_left
            FROM users u JOIN patient_profiles p ON p.user_id = u.id
            WHERE u.id = :id AND u.role = 'patient'"""), {"id": user_id, "now": now}).first()
        if row is None:
            raise NotFound("No such patient.")
        return {"summary": _summary(row), "email": row.email, "address": row.address,
                "emergency_contact": row.emergency_contact, "allergies": row.allergies,
                "medical_history": row.medical_history, "registered_at": row.created_at,
                "upcoming": tuple(_appointment(a) for a in row.upcoming),
                "past": tuple(_appointment(a) for a in row.past),
                "language": language_of(row.preferred_language), "contact_verified": bool(row.is_verified),
                "advance_balance": row.advances_left if row.advances else None}
