"""Chronopost tracking through the TrackingServiceWS SOAP service.

Real API: `POST https://ws.chronopost.fr/tracking-cxf/TrackingServiceWS` (WSDL at `?wsdl`),
SOAP 1.1, `Content-Type: text/xml`, operation `trackSkybillV2(language, skybillNumber)` in the
namespace `http://cxf.tracking.soap.chronopost.fr/`. No credentials: the account/password pair
is only for trackSearch/cancelSkybill. One skybill per call. `language` is `fr_FR` or `en_GB`.

Answer: `return{errorCode (0 = OK), errorMessage?, listEventInfoComp{events[]{code (space-padded),
eventDate (xs:dateTime with offset), eventLabel, highPriority, NPC (department), officeLabel,
zipCode, infoCompList[]{name, value}}, skybillNumber}}`, events oldest first. An unknown number
gives errorCode 0 and no events; errorCode 1 "System Error" is an outage (retried). Faults
(HTTP 500, `soap:Client` / `soap:Server`) come from the CXF stack.

Sources: carrier-samples/README.md §2 and chronopost/CODES.md — karrio
`modules/connectors/chronopost` (TrackingServiceWS.xsd, tests), weblinko/php-chronopost
`examples/Track.php`, plhery/universal-parcel-scraper `carriers/chronopost` (infoComp names:
"Point de retrait", "Type de retrait", "Point de livraison", "Début/Fin créneau RDV",
"Date de relivraison").

A pickup point's "Point de retrait" gives its name, street, postcode, city and country, not its
id nor its hours. PointRelaisServiceWS (`POST /recherchebt-ws-cxf/PointRelaisServiceWS`,
namespace `http://cxf.rechercheBt.soap.chronopost.fr/`, account number and password) lists the
points near an address: `recherchePointChronopostInter{accountNumber, password, address,
zipCode, city, countryCode, type P, productCode, service, weight, shippingDate dd/MM/yyyy,
maxPointChronopost, maxDistanceSearch, holidayTolerant}` answers `return{errorCode (0 = OK),
errorMessage, listePointRelais[]{identifiant, nom, adresse1..3, codePostal, localite, codePays,
listeHoraireOuverture[]{jour 1 Monday .. 7 Sunday, horairesAsString "08:00-12:30 14:00-19:00",
listeHoraireOuverture[]{debut, fin}}, ...}, qualiteReponse}`; the point is the one of the same
name at the same postcode, and a day it does not list is closed. Sources: Chronopost's WSDL as
generated into PHP clients (Antilop ChronoApi `pointCHR`, `listeHoraireOuverturePourUnJour`,
`horaireOuverture`), recherchePointChronopostInter calls and answer parsing in public shop
integrations (Odoo chronopost 2shop, Omnibus Chronopost PickupAction), and a recorded answer in
a public test mock (`recherchePointChronopostInterResponse`).
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from typing import ClassVar, Literal

import httpx

from suivi.errors import CarrierError, CarrierResponseInvalid, CarrierUnavailable
from suivi.soap import children, envelope, escape, fault_of, find, parse_xml, text
from suivi.toolkit import (
    MON_SAT,
    PARIS,
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    DeliveryEstimate,
    Location,
    NumberPattern,
    PickupPoint,
    RateLimit,
    RawResponse,
    Status,
    StatusMap,
    Substatus,
    Tracking,
    TrackingEvent,
    is_valid_s10,
    parse_local,
    spans_from_text,
    street,
    strptime,
    week,
)
from suivi_adapters.chronopost import codes

NAMESPACE = "http://cxf.tracking.soap.chronopost.fr/"
PATH = "/tracking-cxf/TrackingServiceWS"
POINT_NAMESPACE = "http://cxf.rechercheBt.soap.chronopost.fr/"
POINT_PATH = "/recherchebt-ws-cxf/PointRelaisServiceWS"
POINT_OPERATION = "recherchePointChronopostInter"
# eventDate is an xs:dateTime, offset included ([KAR], [UPS], our samples); ISO without an
# offset or with fractions is read too. The infoComp wording dd/MM/yyyy HH:mm[:ss] ([UPS]) is
# accepted in case a gateway passes a date through as text.
DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
Infos = dict[str, str]
log = logging.getLogger("suivi.chronopost")


class ChronopostSettings(AdapterSettings):
    """No credentials for trackSkybillV2; the account describes pickup points' hours."""

    language: Literal["fr_FR", "en_GB"] = "fr_FR"
    account_number: str | None = None
    password: str | None = None


class ChronopostAdapter(Adapter):
    name: ClassVar[str] = "chronopost"
    display_name: ClassVar[str] = "Chronopost"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(
            r"[A-Z]{2}\d{9}[A-Z]{2}", "13-character skybill like XP696982485FR", is_valid_s10
        ),
        NumberPattern(r"\d{14}", "14-digit skybill"),
    )
    default_base_url: ClassVar[str] = "https://ws.chronopost.fr"
    settings_model: ClassVar[type[AdapterSettings]] = ChronopostSettings
    status_map: ClassVar[StatusMap] = codes.STATUS_MAP
    simulator: ClassVar[str | None] = "suivi_adapters.chronopost.simulator:routes"
    rate_limit: ClassVar[RateLimit] = RateLimit(per_second=5.0, burst=5, max_concurrency=4)
    point_settings: ClassVar[tuple[str, ...]] = ("account_number", "password")
    delivery_weekdays: ClassVar[frozenset[int]] = MON_SAT
    # An express network scans daily: a day without news in transit is already unusual.
    scan_gaps: ClassVar[dict[Status, float]] = {Status.IN_TRANSIT: 24.0}

    settings: ChronopostSettings

    # -- request ---------------------------------------------------------------------------

    def tracking_request(self, number: str) -> httpx.Request:
        """The trackSkybillV2 call exactly as the WSDL describes it."""
        language = self.settings.language
        body = envelope(
            f'<cxf:trackSkybillV2 xmlns:cxf="{NAMESPACE}">'
            f"<language>{escape(language)}</language>"
            f"<skybillNumber>{escape(number)}</skybillNumber>"
            "</cxf:trackSkybillV2>"
        )
        return httpx.Request(
            "POST",
            self.base_url + PATH,
            content=body,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        return await http.send(self.tracking_request(numbers[0]), requested=(numbers[0],))

    def point_request(self, point: PickupPoint, day: date) -> httpx.Request:
        """recherchePointChronopostInter around the point's address, for parcels sent `day`."""
        fields = {
            "accountNumber": self.require("account_number"),
            "password": self.require("password"),
            "address": point.address or "",
            "zipCode": point.postcode or "",
            "city": point.city or "",
            "countryCode": point.country or "FR",
            "type": "P",
            "productCode": codes.RELAY_PRODUCT,
            "service": "L",
            "weight": "1",
            "shippingDate": day.strftime("%d/%m/%Y"),
            "maxPointChronopost": "10",
            "maxDistanceSearch": "10",
            "holidayTolerant": "1",
        }
        params = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
        call = (
            f'<cxf:{POINT_OPERATION} xmlns:cxf="{POINT_NAMESPACE}">{params}</cxf:{POINT_OPERATION}>'
        )
        return httpx.Request(
            "POST",
            self.base_url + POINT_PATH,
            content=envelope(call),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )

    async def fetch_point(
        self, point: PickupPoint, http: CarrierHTTP, *, tracking: Tracking
    ) -> RawResponse:
        """The search for the day the parcel was last scanned, in Paris: a day the tracking
        gives, so the same answer gives the same call whatever the date it is read on."""
        scan = tracking.latest_event
        if scan is None:  # a point is only ever named by a scan's infoComp
            raise ValueError(f"no scan dates {tracking.tracking_number}'s pickup point")
        request = self.point_request(point, scan.timestamp.astimezone(PARIS).date())
        return await http.send(request, requested=(point.name or "", point.postcode or ""))

    def parse_point(self, raw: RawResponse) -> PickupPoint | None:
        """The listed point named as asked (`raw.requested`: name, postcode); None if absent."""
        root = parse_xml(raw, carrier=self.name)
        error = self._service_error(root, raw)
        if error is not None:
            raise error
        answer = find(root, f"{POINT_OPERATION}Response", "return")
        if answer is None:
            raise self.invalid(f"no {POINT_OPERATION}Response in the body", raw)
        name, postcode = (*raw.requested, "", "")[:2]
        wanted = _folded(name)
        for listed in children(answer, "listePointRelais"):
            at = text(listed, "codePostal")
            if _folded(text(listed, "nom")) == wanted and (not postcode or at == postcode):
                return _relay(listed)
        return None

    def error_for(self, raw: RawResponse) -> CarrierError | None:
        """HTTP errors, plus SOAP faults and errorCode != 0, so outages are retried."""
        base = super().error_for(raw)
        if raw.status_code in (401, 403, 429) or (base is None and b"<errorCode>0<" in raw.body):
            return base
        try:
            root = parse_xml(raw, carrier=self.name)
        except CarrierResponseInvalid:
            return base
        return self._service_error(root, raw) or base

    def _service_error(self, root: ET.Element, raw: RawResponse) -> CarrierError | None:
        common = {"carrier": self.name, "number": ",".join(raw.requested) or None}
        fault = fault_of(root)
        if fault is not None:
            message = f"SOAP fault {fault.code}: {fault.message}"
            if fault.code.endswith("Client"):
                return CarrierResponseInvalid(message, http_status=raw.status_code, **common)
            return CarrierUnavailable(message, http_status=raw.status_code, **common)
        code = text(find(root, "return"), "errorCode")
        if _is_int(code) and int(code or 0) != 0:
            message = text(find(root, "return"), "errorMessage") or "no message"
            return CarrierUnavailable(
                f"errorCode {code}: {message}", http_status=raw.status_code, **common
            )
        return None

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, raw: RawResponse) -> list[Tracking]:
        root = parse_xml(raw, carrier=self.name)
        error = self._service_error(root, raw)
        if error is not None:
            raise error
        result = find(root, "trackSkybillV2Response", "return")
        if result is None or not _is_int(text(result, "errorCode")):
            raise self.invalid("no trackSkybillV2Response/return/errorCode", raw)
        listing = result.find("listEventInfoComp")
        number = text(listing, "skybillNumber") or next(iter(raw.requested), None)
        if number is None:
            raise self.invalid("no skybillNumber in the answer", raw)
        scans = [(node, _infos(node)) for node in children(listing, "events")]
        events, scans = self._events(scans, raw)
        newest_first = [infos for _, infos in reversed(scans)]
        point = _delivery_point(newest_first)
        estimate = _estimate(newest_first)
        tracking = Tracking.from_events(
            self.name,
            number.upper(),
            events,
            signed_by=_first(newest_first, *codes.SIGNER),
            pickup_point=_pickup_point(newest_first),
            estimate=estimate,
            destination_postcode=point[0],
            destination_country=point[1],
            sequence=codes.SEQUENCE,
        )
        if estimate is not None and tracking.is_terminal:  # a finished parcel expects nothing
            tracking = tracking.model_copy(update={"estimate": None})
        return [tracking]

    def _events(
        self, scans: list[tuple[ET.Element, Infos]], raw: RawResponse
    ) -> tuple[list[TrackingEvent], list[tuple[ET.Element, Infos]]]:
        """Each readable scan, oldest first, with the scans kept. Empty filler rows are dropped;
        a scan without a code or with an unreadable date is skipped with a warning, so it never
        costs the answer its other events, but an answer of nothing but such scans is invalid."""
        events: list[TrackingEvent] = []
        kept: list[tuple[ET.Element, Infos]] = []
        problems: list[str] = []
        for node, infos in scans:
            code, stamp = text(node, "code"), text(node, "eventDate")
            label = text(node, "eventLabel") or ""
            if code is None and stamp is None and not label and not infos:
                continue  # an empty <events/> row
            try:
                if code is None or stamp is None:
                    raise self.invalid("an event has no code or eventDate", raw)
                timestamp = parse_local(stamp, DATE_FORMATS, PARIS, carrier=self.name)
            except CarrierResponseInvalid as exc:
                problems.append(str(exc))
                continue
            key = StatusMap.normalize_code(code)
            mapping = self.map_code(key, label)
            if key == "AB":
                mapping = replace(mapping, substatus=_pickup_kind(infos, mapping.substatus))
            event = self.event(
                timestamp=timestamp,
                code=key,
                label=label,
                location=_location(node),
                mapping=mapping,
            )
            events.append(event)
            kept.append((node, infos))
        if problems and not events:
            raise self.invalid(f"no readable event: {problems[0]}", raw)
        if problems:
            log.warning(
                "chronopost %s: skipped %d of %d events: %s",
                ",".join(raw.requested) or "?",
                len(problems),
                len(problems) + len(events),
                "; ".join(problems),
            )
        return events, kept


def _is_int(value: str | None) -> bool:
    return value is not None and value.removeprefix("-").isdigit()


def _infos(node: ET.Element) -> Infos:
    pairs = ((text(i, "name"), text(i, "value")) for i in children(node, "infoCompList"))
    return {name: value for name, value in pairs if name and value}


def _first(newest_first: list[Infos], *names: str) -> str | None:
    return next((i[n] for i in newest_first for n in names if n in i), None)


def _location(node: ET.Element) -> Location | None:
    return _place(text(node, "officeLabel"), text(node, "zipCode"), text(node, "NPC"))


@lru_cache(maxsize=1024)  # a few hundred Chronopost sites: one Location each
def _place(office: str | None, postcode: str | None, npc: str | None) -> Location | None:
    """officeLabel is a site ("LILLE CHRONOPOST"); agencies are named after their city."""
    if office is None and postcode is None:
        return None
    city = None
    if office and office.endswith(" CHRONOPOST"):
        city = office[: -len(" CHRONOPOST")].removeprefix("HUB ")
    country = "FR" if npc and npc.isdigit() else None
    return Location(name=office, city=city, postcode=postcode, country=country)


def _pickup_kind(infos: Infos, default: Substatus | None) -> Substatus | None:
    """AB at a locker, a depot or a post office rather than a relay, from "Type de retrait"."""
    kind = (infos.get(codes.PICKUP_TYPE) or "").casefold()
    return next((sub for word, sub in codes.PICKUP_TYPES if word in kind), default)


def _split_point(value: str) -> list[str]:
    """ "NAME - STREET - POSTCODE - CITY - CC" when complete, else just the name."""
    parts = [part.strip() for part in value.split(" - ")]
    return parts if len(parts) == 5 else [value.strip()]


def _pickup_point(newest_first: list[Infos]) -> PickupPoint | None:
    value = _first(newest_first, codes.PICKUP_POINT)
    if value is None:
        return None
    parts = _split_point(value)
    if len(parts) == 1:
        return PickupPoint(name=parts[0])
    name, address, postcode, city, country = parts
    return PickupPoint(name=name, address=address, postcode=postcode, city=city, country=country)


def _folded(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _relay(listed: ET.Element) -> PickupPoint:
    """One `listePointRelais` entry: `debut`/`fin` pairs per day, else `horairesAsString`."""
    days: dict[int, str] = dict.fromkeys(range(7), "")
    for entry in children(listed, "listeHoraireOuverture"):
        day = text(entry, "jour") or ""
        if day.isdigit() and 1 <= int(day) <= 7:
            pairs = [
                f"{text(s, 'debut')}-{text(s, 'fin')}"
                for s in children(entry, "listeHoraireOuverture")
            ]
            days[int(day) - 1] = " ".join(pairs) or text(entry, "horairesAsString") or ""
    return PickupPoint(
        name=text(listed, "nom"),
        identifier=text(listed, "identifiant"),
        address=street(*(text(listed, f"adresse{i}") for i in (1, 2, 3))),
        postcode=text(listed, "codePostal"),
        city=text(listed, "localite"),
        country=text(listed, "codePays"),
        week=week((day, spans_from_text(hours)) for day, hours in days.items()),
    )


def _delivery_point(newest_first: list[Infos]) -> tuple[str | None, str | None]:
    value = _first(newest_first, codes.DELIVERY_POINT)
    parts = _split_point(value) if value else []
    return (parts[2], parts[4]) if len(parts) == 5 else (None, None)


def _estimate(newest_first: list[Infos]) -> DeliveryEstimate | None:
    """The newest appointment window, else the newest redelivery day the recipient chose."""
    start_name, end_name = codes.WINDOW
    for infos in newest_first:
        start, end = _moment(infos.get(start_name)), _moment(infos.get(end_name))
        if start and end and start.date() == end.date() and start <= end:
            day = start.date()
            return DeliveryEstimate(
                earliest=day,
                latest=day,
                start_time=start.time(),
                end_time=end.time(),
                source="carrier",
            )
        redelivery = _day(infos.get(codes.REDELIVERY))
        if redelivery is not None:
            return DeliveryEstimate(earliest=redelivery, latest=redelivery, source="carrier")
    return None


def _moment(value: str | None) -> datetime | None:
    if not value:  # most events carry no appointment: no format to try
        return None
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return strptime(value, fmt)
        except ValueError:
            continue
    return None


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return strptime(value, "%d/%m/%Y").date()
    except ValueError:
        return None
