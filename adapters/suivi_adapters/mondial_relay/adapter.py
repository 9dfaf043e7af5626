"""Mondial Relay: `WSI2_TracingColisDetaille` on the Web_Services.asmx SOAP 1.1 service.

Real API (README "Mondial Relay"; PrestaShop `mondialrelay` module, dajlab mondialrelayapi JAXB
classes, several PHP/JS clients):
- `POST https://api.mondialrelay.com/Web_Services.asmx` (legacy host
  `http://www.mondialrelay.fr/webservice/Web_Services.asmx`), `Content-Type: text/xml`,
  `SOAPAction: "http://www.mondialrelay.fr/webservice/WSI2_TracingColisDetaille"`.
- Body `WSI2_TracingColisDetaille{Enseigne, Expedition, Langue, Security}` in namespace
  `http://www.mondialrelay.fr/webservice/`. No HTTP auth: `Security` signs the call,
  UPPER(MD5(Enseigne + Expedition + Langue + private key)). One number per call.
- Answer `WSI2_TracingColisDetailleResult{STAT, Libelle01, Relais_Libelle, Relais_Num,
  Libelle02, Tracing{ret_WSI2_sub_TracingColisDetaille[]{Libelle, Date dd/MM/yyyy or dd/MM/yy,
  Heure HH:mm, Emplacement, Relais_Num, Relais_Pays}}}`, always HTTP 200: errors are STAT values
  (codes.STAT_CODES). Events are in French local time, with blank filler rows; the body may be
  declared ISO-8859-1 and fields space-padded. A row whose date cannot be read is skipped and
  counted in a warning: the other rows still tell the parcel's story.
  No delivery estimate, weight, service or signature is given by this operation.
- Events carry labels only: the stored code is the label's slug, mapped by codes.STATUS_MAP.
- The answer names the Point Relais (Relais_Libelle, Relais_Num, Relais_Pays) but not where it
  is: `WSI4_PointRelais_Recherche{Enseigne, Pays, NumPointRelais, Security}` (same signing, over
  the parameters in order) describes it: `PointsRelais{PointRelais_Details{Num, LgAdr1 name,
  LgAdr2..4 street lines, CP, Ville, Pays, Horaires_Lundi..Horaires_Dimanche{string[4] HHMM
  open/close pairs, "0000" unused}, URL_Plan, ...}}`, fields space-padded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import timedelta
from typing import ClassVar, Final

import httpx

from suivi import errors
from suivi.soap import envelope, escape, fault_of, find, parse_xml, text
from suivi.toolkit import (
    COMMON_SEQUENCE,
    MON_SAT,
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    NumberPattern,
    PickupPoint,
    RawResponse,
    Status,
    StatusMap,
    Substatus,
    Tracking,
    TrackingEvent,
    apply_sequence,
    current_event,
    fold,
    parse_local,
    shared_location,
    sort_events,
    spans_from_slots,
    street,
    week,
)
from suivi_adapters.mondial_relay.codes import (
    HOURS_FIELDS,
    PICKUP_DAYS,
    SEQUENCE,
    STAT_CODES,
    STATUS_MAP,
    StatKind,
)

_log = logging.getLogger(__name__)

NAMESPACE: Final = "http://www.mondialrelay.fr/webservice/"
OPERATION: Final = "WSI2_TracingColisDetaille"
POINT_OPERATION: Final = "WSI4_PointRelais_Recherche"
# Four-digit years in our samples, two-digit ones in answers public clients store and read
# (codes.py [D], [T]); seconds are accepted should a row carry them.
DATE_FORMATS: Final = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d/%m/%y %H:%M",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y",
)
RULES: Final = (*SEQUENCE, *COMMON_SEQUENCE)

# What each STAT meaning raises (STAT_CODES gives the meaning of every documented value).
STAT_ERRORS: Final[dict[StatKind, type[errors.SuiviError]]] = {
    StatKind.AUTH: errors.CarrierAuthError,
    StatKind.NUMBER: errors.TrackingNumberInvalid,
    StatKind.UNAVAILABLE: errors.CarrierUnavailable,
    StatKind.CONFIG: errors.ConfigurationError,
    StatKind.REQUEST: errors.CarrierResponseInvalid,
}
# A parcel handed over ends its life: a STAT "livré" outranks events that lag behind it.
FINAL_STATUSES: Final = frozenset({Status.DELIVERED, Status.RETURNED})
PICKUP_STATUSES: Final = frozenset({Status.AVAILABLE_FOR_PICKUP, Status.DELIVERED})


class MondialRelaySettings(AdapterSettings):
    merchant_code: str | None = None
    """`Enseigne`, the merchant code Mondial Relay assigns (test account `BDTEST13`)."""
    private_key: str | None = None
    """The private key that signs every call (never sent)."""
    language: str = "FR"
    """`Langue` of the event labels (FR, EN, ES, NL, DE, IT…)."""


def security_key(merchant_code: str, number: str, language: str, private_key: str) -> str:
    """Mondial Relay's request signature: MD5 of the parameters in order plus the key."""
    signed = f"{merchant_code}{number}{language}{private_key}"
    return hashlib.md5(signed.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def slug(label: str) -> str:
    """A stable event code for a label-only event: `COLIS LIVRÉ` -> `COLIS_LIVRE`."""
    return re.sub(r"[^A-Z0-9]+", "_", fold(label).upper()).strip("_")


class MondialRelayAdapter(Adapter):
    name: ClassVar[str] = "mondial_relay"
    display_name: ClassVar[str] = "Mondial Relay"
    countries: ClassVar[tuple[str, ...]] = ("FR", "BE", "LU", "ES", "PT", "NL", "DE", "AT", "IT")
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"\d{8}", "8-digit expedition number"),
        NumberPattern(r"\d{10}|\d{12}", "10- or 12-digit label barcode"),
    )
    default_base_url: ClassVar[str] = "https://api.mondialrelay.com"
    settings_model: ClassVar[type[AdapterSettings]] = MondialRelaySettings
    status_map: ClassVar[StatusMap] = STATUS_MAP
    simulator: ClassVar[str | None] = "suivi_adapters.mondial_relay.simulator:routes"
    delivery_weekdays: ClassVar[frozenset[int]] = MON_SAT
    # A relay network: few scans between hubs, so two quiet days are normal in transit.
    scan_gaps: ClassVar[dict[Status, float]] = {Status.IN_TRANSIT: 72.0}

    settings: MondialRelaySettings

    # -- request ---------------------------------------------------------------------------

    def request(self, number: str) -> httpx.Request:
        """The signed SOAP call for one number (pure, so tests can compare it byte for byte)."""
        merchant, key = self.require("merchant_code"), self.require("private_key")
        language = self.settings.language
        fields = {
            "Enseigne": merchant,
            "Expedition": number,
            "Langue": language,
            "Security": security_key(merchant, number, language, key),
        }
        return self._call(OPERATION, fields)

    def point_request(self, point: PickupPoint) -> httpx.Request:
        """The signed WSI4_PointRelais_Recherche call describing one Point Relais by number."""
        merchant, key = self.require("merchant_code"), self.require("private_key")
        country, number = point.country or "FR", point.identifier or ""
        fields = {
            "Enseigne": merchant,
            "Pays": country,
            "NumPointRelais": number,
            "Security": security_key(merchant, country, number, key),
        }
        return self._call(POINT_OPERATION, fields)

    def _call(self, operation: str, fields: dict[str, str]) -> httpx.Request:
        params = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
        return httpx.Request(
            "POST",
            f"{self.base_url}/Web_Services.asmx",
            content=envelope(f'<{operation} xmlns="{NAMESPACE}">{params}</{operation}>'),
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{NAMESPACE}{operation}"',
            },
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        [number] = numbers
        return await http.send(self.request(number), requested=(number,))

    async def fetch_point(
        self, point: PickupPoint, http: CarrierHTTP, *, tracking: Tracking
    ) -> RawResponse:
        return await http.send(self.point_request(point), requested=(point.identifier or "",))

    def parse_point(self, raw: RawResponse) -> PickupPoint | None:
        """The Point Relais WSI4_PointRelais_Recherche describes; None if it knows none."""
        root = self._xml(raw)
        fault = self._fault_error(root, raw)
        if fault is not None:
            raise fault
        result = find(root, f"{POINT_OPERATION}Result")
        if result is None:
            raise self.invalid(f"no {POINT_OPERATION}Result in the body", raw)
        error = self._stat_error(self._stat(result, raw), raw)
        if error is not None:
            raise error
        details = find(result, "PointsRelais", "PointRelais_Details")
        if details is None:
            return None
        return PickupPoint(
            name=text(details, "LgAdr1"),
            identifier=text(details, "Num"),
            address=street(*(text(details, f"LgAdr{i}") for i in (2, 3, 4))),
            postcode=text(details, "CP"),
            city=text(details, "Ville"),
            country=text(details, "Pays"),
            week=week(
                (day, spans_from_slots([text(s) for s in slots.findall("string")]))
                for day, field in enumerate(HOURS_FIELDS)
                if (slots := details.find(field)) is not None
            ),
            url=text(details, "URL_Plan"),
        )

    def error_for(self, raw: RawResponse) -> errors.CarrierError | None:
        """SOAP faults (ASMX sends them as HTTP 500), HTTP errors, then STAT errors: a STAT 98
        "service indisponible" is retried, a bad request (soap:Client) is not."""
        try:
            root = self._xml(raw)
        except errors.CarrierResponseInvalid:
            return super().error_for(raw)  # an HTML error page, or a body the parser reports
        error = self._fault_error(root, raw) or super().error_for(raw)
        if error is not None:
            return error
        try:
            found = self._stat_error(self._stat(self._result(root, raw), raw), raw)
        except errors.SuiviError:
            return None
        return found if isinstance(found, errors.CarrierError) else None

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, raw: RawResponse) -> list[Tracking]:
        result = self._result(self._xml(raw), raw)
        stat = self._stat(result, raw)
        error = self._stat_error(stat, raw)
        if error is not None:
            raise error
        number = raw.requested[0] if raw.requested else ""
        if STAT_CODES[stat][1] is StatKind.NOT_FOUND:
            return [Tracking(carrier=self.name, tracking_number=number, status=Status.NOT_FOUND)]
        read = self._events(result)
        events = tuple(apply_sequence(sort_events(e for e, _ in read), RULES))
        # the Point Relais numbers again, now beside the events as the sequence reads them
        relays = {(e.timestamp, e.code): num for e, num in read}
        pairs = [(e, relays[e.timestamp, e.code]) for e in events]
        status, substatus, decisive = self._decide(events, stat, text(result, "Libelle01"))
        pickup = self._pickup_point(result, pairs, status)
        return [
            Tracking(
                carrier=self.name,
                tracking_number=number,
                status=status,
                substatus=substatus,
                events=events,
                pickup_point=pickup,
                destination_country=pickup.country if pickup else None,
                delivered_at=decisive.timestamp
                if decisive and status is Status.DELIVERED
                else None,
            )
        ]

    def _xml(self, raw: RawResponse) -> ET.Element:
        """parse_xml, also when the XML declaration names an unknown encoding."""
        try:
            return parse_xml(raw, carrier=self.name)
        except (LookupError, ValueError) as exc:  # ParseError is handled by parse_xml
            raise self.invalid(f"body is not readable XML ({exc})", raw) from None

    def _fault_error(self, root: ET.Element, raw: RawResponse) -> errors.CarrierError | None:
        fault = fault_of(root)
        if fault is None:
            return None
        client = "client" in fault.code.lower()
        kind = errors.CarrierResponseInvalid if client else errors.CarrierUnavailable
        message = f"SOAP fault {fault.code}: {fault.message}"
        return kind(message, carrier=self.name, http_status=raw.status_code, body=raw.body)

    def _result(self, root: ET.Element, raw: RawResponse) -> ET.Element:
        fault = self._fault_error(root, raw)
        if fault is not None:
            raise fault
        result = find(root, f"{OPERATION}Result")
        if result is None:
            raise self.invalid(f"no {OPERATION}Result in the body", raw)
        return result

    def _stat(self, result: ET.Element, raw: RawResponse) -> int:
        value = text(result, "STAT")
        if value is None or not re.fullmatch(r"[0-9]{1,3}", value):
            raise self.invalid(f"missing or unreadable STAT {value!r}", raw)
        if int(value) not in STAT_CODES:
            raise self.invalid(f"unknown STAT {value}", raw)
        return int(value)

    def _stat_error(self, stat: int, raw: RawResponse) -> errors.SuiviError | None:
        label, kind = STAT_CODES[stat]
        cls = STAT_ERRORS.get(kind)
        if cls is None:
            return None
        message = f"STAT {stat}: {label}"
        number = ",".join(raw.requested) or None
        if issubclass(cls, errors.CarrierError):
            return cls(
                message,
                carrier=self.name,
                number=number,
                http_status=raw.status_code,
                body=raw.body,
            )
        return cls(message, carrier=self.name, number=number)

    def _events(self, result: ET.Element) -> list[tuple[TrackingEvent, str | None]]:
        """Each dated, labelled row with its Point Relais number; blank filler rows skipped,
        rows with an unreadable date skipped and counted in a warning."""
        tracing = result.find("Tracing")
        rows = [] if tracing is None else tracing.findall("ret_WSI2_sub_TracingColisDetaille")
        pairs, unreadable = [], []
        for row in rows:
            label, day = text(row, "Libelle"), text(row, "Date")
            if label is None or day is None:
                continue
            moment = f"{day} {text(row, 'Heure') or ''}".strip()
            try:
                timestamp = parse_local(moment, DATE_FORMATS, self.timezone, carrier=self.name)
            except errors.CarrierResponseInvalid:
                unreadable.append(moment)
                continue
            place, country = text(row, "Emplacement"), text(row, "Relais_Pays")
            event = self.event(
                timestamp=timestamp,
                code=slug(label),
                label=label,
                location=shared_location(name=place, country=country) if place or country else None,
            )
            pairs.append((event, text(row, "Relais_Num")))
        if unreadable:
            _log.warning(
                "%s: skipped %d of %d events with unreadable dates %r",
                self.name,
                len(unreadable),
                len(unreadable) + len(pairs),
                unreadable,
            )
        return pairs

    def _known(self, event: TrackingEvent) -> bool:
        return event.code in self.status_map or self.status_map.match_label(event.label) is not None

    def _decide(
        self, events: Sequence[TrackingEvent], stat: int, headline: str | None
    ) -> tuple[Status, Substatus | None, TrackingEvent | None]:
        """Events decide, unless none is readable or the STAT says the parcel was handed over;
        the headline names what an event leaves open ("Entrega a domicilio" after "Liquidado")."""
        overall = self.status_map.lookup(stat, headline or "")
        current = current_event(events)
        if current is None or not self._known(current):
            return overall.status, overall.substatus, None
        if overall.status is Status.DELIVERED and current.status not in FINAL_STATUSES:
            return overall.status, overall.substatus, None
        substatus = current.substatus
        told = self.status_map.match_label(headline) if headline and substatus is None else None
        if told is not None and told.status is current.status:
            substatus = told.substatus
        return current.status, substatus, current

    def _pickup_point(
        self,
        result: ET.Element,
        pairs: Sequence[tuple[TrackingEvent, str | None]],
        status: Status,
    ) -> PickupPoint | None:
        """The destination Point Relais; its deadline is 14 days after the parcel arrived."""
        at_point = [(e, num) for e, num in pairs if num and e.status in PICKUP_STATUSES]
        latest = max(at_point, key=lambda pair: pair[0].timestamp, default=None)
        identifier = text(result, "Relais_Num") or (latest[1] if latest else None)
        name = text(result, "Relais_Libelle")
        if latest is not None and latest[0].location is not None:
            name = name or latest[0].location.name
        if identifier is None and name is None:
            return None
        country = next(
            (e.location.country for e, num in at_point if num == identifier and e.location), None
        )
        arrived = [e.timestamp for e, _ in pairs if e.status is Status.AVAILABLE_FOR_PICKUP]
        deadline = None
        if status is Status.AVAILABLE_FOR_PICKUP and arrived:
            deadline = max(arrived).date() + timedelta(days=PICKUP_DAYS)
        return PickupPoint(name=name, identifier=identifier, country=country, deadline=deadline)
