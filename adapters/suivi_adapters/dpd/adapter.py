"""DPD: DPD France cargoNET "Webtrace_Service" (fetch and parse) and DPD group DELIS (parse).

DPD France, the API `fetch` speaks:
- `POST {base}/trace-service/Webtrace_Service.asmx`, production base `https://webtrace.dpd.fr`
  (test: `https://e-station-testenv.cargonet.software`). SOAP 1.1, namespace
  `http://www.cargonet.software/`, `SOAPAction: "http://www.cargonet.software/GetShipmentTraceSingle"`.
- Auth: SOAP header `UserCredentials{userid, password}` plus an IP whitelist kept by DPD. The body
  names the customer account: `Customer{countrycode=250, centernumber, number}`.
- Answer `GetShipmentTraceSingleResult`: `Traces/clsTrace{StatusNumber, ScanDate, ScanTime,
  StatusDescription, CenterName, CenterNumber}`, `DeliveryScheduled` (Predict window: StartDate,
  EndDate, StartTime, EndTime), `PointRelaisName`/`PointRelaisLink`, `Receiver`, `Weight`,
  `DestinationCountry`, `DestinationZipcode`, `ReceiverDepotNumber`.
- ScanDate/ScanTime are plain strings whose format DPD does not document: `dd/MM/yyyy` + `HH:mm`
  is what is seen; a few other shapes are accepted. They are French local times (Europe/Paris).
- Errors are SOAP faults sent with HTTP 500: "IpPermissionDenied : No permission for this
  ip-Address" (and credential faults) mean auth, "ShipmentNotFound" means an unknown number. They
  must not be retried as outages, hence `error_for`.

DPD group DELIS (DE/BE/NL) `ParcelLifeCycleService/V2_0` `getTrackingDataResponse` is recognised by
its root element and parsed by the same `parse` (dates `M/d/yyyy h:mm:ss AM/PM`); its login flow
(`LoginService.getAuth`) is not implemented, so `fetch` never calls it.

The answer names the relay but not where it is: `PointRelaisLink` is the relay's page,
`http://www.dpd.fr/dpdrelais/id_<PUDO_ID>` (the link DPD France's own e-commerce modules build).
DPD's Pickup directory describes it by that id: `GET {mypudo}/mypudo/mypudo.asmx/GetPudoDetails
?carrier=&key=&pudo_id=` (production host `https://mypudo.pickup-services.com`, carrier code and
key given by DPD) answers `RESPONSE{PUDO_ITEMS{PUDO_ITEM{PUDO_ID, NAME, STREETNUM, ADDRESS1..3,
ZIPCODE, CITY, COUNTRY (ISO alpha-3), OPENING_HOURS_ITEMS{OPENING_HOURS_ITEM[]{DAY_ID 1 Monday ..
7 Sunday, START_TM "09:00", END_TM "12:30"}}, HOLIDAY_ITEMS}}}` or `RESPONSE{ERROR}`; a day
without items is closed. Sources: DPD France's Magento and PrestaShop modules (dpdfrance,
`GetPudoDetails` call and PUDO_ITEM parsing), Dnd DpdFranceShippingBundle `PudoProvider`
(endpoint and query), ekyna/dpd `GetPudoDetailsRequest` (pudo_id), a full mypudo answer in the
dpdfrance Magento module's helper.

Sources: "WebService DPD France – suivi de colis V4.7 12/2022" and `DPD_status.xlsx` (php-dpd
repository, `documents/`), php-dpd generated structs `ClsShipmentTraceBase`, `ClsTrace`, `SdgiData`;
karrio `modules/connectors/dpd` (DELIS schema `ParcelLifecycleServiceV20.xsd` and test payloads).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, time
from typing import ClassVar, Final

import httpx
from pydantic import Field

from suivi.errors import CarrierAuthError, CarrierError, CarrierResponseInvalid
from suivi.soap import Fault, children, envelope, escape, fault_of, find, parse_xml, text
from suivi.toolkit import (
    MON_SAT,
    Adapter,
    AdapterSettings,
    CarrierHTTP,
    CodeMapping,
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
    error_for_status,
    fold,
    parse_local,
    shared_location,
    spans_from_text,
    street,
    strptime,
    week,
)
from suivi_adapters.dpd.codes import (
    DEPOT_ARRIVAL_CODES,
    FAULT_MARKERS,
    PUDO_COUNTRIES,
    SEQUENCE,
    STATUS_MAP,
    FaultKind,
)

NS: Final = "http://www.cargonet.software/"
PATH: Final = "/trace-service/Webtrace_Service.asmx"
SOAP_ACTION: Final = f'"{NS}GetShipmentTraceSingle"'
PUDO_URL: Final = "https://mypudo.pickup-services.com"
PUDO_PATH: Final = "/mypudo/mypudo.asmx/GetPudoDetails"
_RELAY_ID = re.compile(r"/id_(?P<id>[A-Za-z0-9]+)/?$")
# ScanDate alone may carry the time: "2026-06-04T05:31:00", "04/06/2026 05:31:00".
_SCAN_DATE = re.compile(r"(?P<day>[^\sT]+)(?:[\sT]+(?P<time>\S+))?")
_log = logging.getLogger("suivi.dpd")

SCAN_FORMATS: Final = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d/%m/%y %H:%M",
    "%d/%m/%y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H%M",
)
DATE_FORMATS: Final = ("%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
TIME_FORMATS: Final = ("%H:%M", "%H:%M:%S", "%H%M")
DELIS_FORMATS: Final = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")
_DELIS_PLACE = re.compile(r"(?P<city>.*?)\s*\((?P<country>[A-Z]{2})\)")


def fault_kind(fault: Fault) -> FaultKind | None:
    """What a SOAP fault means, from the markers in its code, text or detail."""
    said = f"{fault.code} {fault.message} {fault.detail}"
    folded = said.casefold() if said.isascii() else fold(said)  # ASCII has no accents to fold
    return next((kind for marker, kind in FAULT_MARKERS if marker in folded), None)


class DpdSettings(AdapterSettings):
    user_id: str | None = None
    password: str | None = None
    customer_center: str | None = None
    customer_number: str | None = None
    language: str = "FR"
    pudo_carrier: str = "EXA"
    pudo_key: str | None = None
    pudo_base_url: str | None = Field(
        default=None, description="the Pickup directory; defaults to base_url when that is set"
    )


class DpdAdapter(Adapter):
    name: ClassVar[str] = "dpd"
    display_name: ClassVar[str] = "DPD"
    countries: ClassVar[tuple[str, ...]] = ("FR",)
    # PDF §6: 250, depot N3, number N9, key1 N2, key2 N1; the keys' algorithm is not public.
    number_patterns: ClassVar[tuple[NumberPattern, ...]] = (
        NumberPattern(r"250\d{11}", "14 digits starting with 250"),
        NumberPattern(r"250\d{15}", "18-digit barcode starting with 250"),
    )
    default_base_url: ClassVar[str] = "https://webtrace.dpd.fr"
    settings_model: ClassVar[type[AdapterSettings]] = DpdSettings
    status_map: ClassVar[StatusMap] = STATUS_MAP
    simulator: ClassVar[str | None] = "suivi_adapters.dpd.simulator:routes"
    rate_limit: ClassVar[RateLimit] = RateLimit(per_second=5, burst=5, max_concurrency=4)
    point_settings: ClassVar[tuple[str, ...]] = ("pudo_key",)
    service_weekdays: ClassVar[tuple[tuple[str, frozenset[int]], ...]] = (
        ("saturday", MON_SAT),
        ("samedi", MON_SAT),
    )

    settings: DpdSettings

    # -- request ---------------------------------------------------------------------------

    def request_body(self, number: str) -> bytes:
        """The GetShipmentTraceSingle envelope, as in DPD's documented example."""
        header = (
            f'<UserCredentials xmlns="{NS}"><userid>{escape(self.require("user_id"))}</userid>'
            f"<password>{escape(self.require('password'))}</password></UserCredentials>"
        )
        language = self.settings.language or "FR"
        body = (
            f'<GetShipmentTraceSingle xmlns="{NS}"><request><Customer>'
            "<countrycode>250</countrycode>"
            f"<centernumber>{escape(self.require('customer_center'))}</centernumber>"
            f"<number>{escape(self.require('customer_number'))}</number></Customer>"
            f"<ShipmentNumber>{escape(number)}</ShipmentNumber>"
            f"<Language>{escape(str(language))}</Language>"
            "<ExpandContainerMode>MasterOnly</ExpandContainerMode>"
            "<GetImages>false</GetImages></request></GetShipmentTraceSingle>"
        )
        return envelope(body, header)

    async def fetch(self, numbers: Sequence[str], http: CarrierHTTP) -> RawResponse:
        number = numbers[0]
        request = httpx.Request(
            "POST",
            self.base_url + PATH,
            content=self.request_body(number),
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": SOAP_ACTION},
            extensions={"timeout": httpx.Timeout(self.settings.timeout).as_dict()},
        )
        return await http.send(request, requested=(number,))

    def point_request(self, point: PickupPoint) -> httpx.Request:
        """GetPudoDetails for the relay's PUDO id (HTTP GET binding of mypudo.asmx)."""
        settings = self.settings
        base = settings.pudo_base_url or settings.base_url or PUDO_URL
        params = {
            "carrier": settings.pudo_carrier or "EXA",
            "key": self.require("pudo_key"),
            "pudo_id": point.identifier or "",
        }
        return httpx.Request(
            "GET",
            base.rstrip("/") + PUDO_PATH,
            params=params,
            extensions={"timeout": httpx.Timeout(settings.timeout).as_dict()},
        )

    async def fetch_point(
        self, point: PickupPoint, http: CarrierHTTP, *, tracking: Tracking
    ) -> RawResponse:
        return await http.send(self.point_request(point), requested=(point.identifier or "",))

    def parse_point(self, raw: RawResponse) -> PickupPoint | None:
        """The relay GetPudoDetails describes; None when it lists none."""
        root = parse_xml(raw, carrier=self.name)
        error = text(root, "ERROR")
        if error is not None:
            raise self.invalid(f"GetPudoDetails: {error}", raw)
        item = find(root, "PUDO_ITEMS", "PUDO_ITEM")
        if item is None:
            return None
        hours = item.find("OPENING_HOURS_ITEMS")
        spans: dict[int, list[str]] = {day: [] for day in range(7)}
        for entry in children(hours, "OPENING_HOURS_ITEM"):
            day = text(entry, "DAY_ID") or ""
            if day.isdigit() and 1 <= int(day) <= 7:
                spans[int(day) - 1].append(f"{text(entry, 'START_TM')}-{text(entry, 'END_TM')}")
        number = text(item, "STREETNUM")
        first = text(item, "ADDRESS1")
        country = (text(item, "COUNTRY") or "").upper()
        return PickupPoint(
            name=text(item, "NAME"),
            identifier=text(item, "PUDO_ID"),
            address=street(
                f"{number} {first}" if number and first else first,
                text(item, "ADDRESS2"),
                text(item, "ADDRESS3"),
            ),
            postcode=text(item, "ZIPCODE"),
            city=text(item, "CITY"),
            country=PUDO_COUNTRIES.get(country, country if len(country) == 2 else None),
            week=week((d, spans_from_text(" ".join(s))) for d, s in spans.items())
            if hours is not None
            else (),
        )

    def error_for(self, raw: RawResponse) -> CarrierError | None:
        """SOAP faults arrive as HTTP 500: auth faults are final, not-found goes to `parse`."""
        if raw.status_code >= 400 and b"Fault" in raw.body:
            try:
                fault = fault_of(parse_xml(raw, carrier=self.name))
            except CarrierResponseInvalid:
                fault = None
            kind = fault_kind(fault) if fault else None
            if fault is not None and kind is FaultKind.AUTH:
                return self._auth_error(fault, raw)
            if kind is FaultKind.NOT_FOUND:
                return None
        return error_for_status(self.name, raw)

    def _auth_error(self, fault: Fault, raw: RawResponse) -> CarrierAuthError:
        return CarrierAuthError(
            "access refused: " + " / ".join(p for p in (fault.message, fault.detail) if p),
            carrier=self.name,
            number=",".join(raw.requested) or None,
            http_status=raw.status_code,
            body=raw.body,
        )

    # -- parsing ---------------------------------------------------------------------------

    def parse(self, raw: RawResponse) -> list[Tracking]:
        root = parse_xml(raw, carrier=self.name)
        fault = fault_of(root)
        if fault is not None:
            return [self._from_fault(fault, raw)]
        france = find(root, "GetShipmentTraceSingleResult")
        if france is not None:
            return [self._france(france, raw)]
        delis = find(root, "trackingresult")
        if delis is not None:
            return [self._delis(delis, raw)]
        raise self.invalid("neither a Webtrace nor a DELIS tracking answer", raw)

    def _from_fault(self, fault: Fault, raw: RawResponse) -> Tracking:
        kind = fault_kind(fault)
        if kind is FaultKind.AUTH:
            raise self._auth_error(fault, raw)
        if kind is not FaultKind.NOT_FOUND:
            raise self.invalid(f"SOAP fault: {fault.message or fault.code}", raw)
        named = re.search(r"\d{14,18}", fault.message)
        number = self._number(raw, named.group() if named else None)
        return Tracking(carrier=self.name, tracking_number=number, status=Status.NOT_FOUND)

    @staticmethod
    def _number(raw: RawResponse, found: str | None) -> str:
        return raw.requested[0] if raw.requested else found or ""

    def _france(self, result: ET.Element, raw: RawResponse) -> Tracking:
        depot = (text(result, "ReceiverDepotNumber") or "").lstrip("0")
        pickup = self._pickup_point(result)
        traces = [t for t in children(result.find("Traces"), "clsTrace") if not _filler(t)]
        events = self._readable(
            traces, lambda trace: self._france_event(trace, depot, pickup is not None, raw), raw
        )
        country = text(result, "DestinationCountry") or ""
        return Tracking.from_events(
            self.name,
            self._number(raw, text(result, "ShipmentNumber")),
            events,
            sequence=SEQUENCE,
            estimate=self._estimate(result.find("DeliveryScheduled"), raw),
            pickup_point=pickup,
            signed_by=text(result, "Receiver"),
            weight_kg=_weight(text(result, "Weight")),
            destination_country=country.upper() if re.fullmatch(r"[A-Za-z]{2}", country) else None,
            destination_postcode=text(result, "DestinationZipcode"),
        )

    def _france_event(
        self, trace: ET.Element, depot: str, relay: bool, raw: RawResponse
    ) -> TrackingEvent:
        code, day = text(trace, "StatusNumber"), text(trace, "ScanDate")
        if code is None or day is None:
            raise self.invalid("clsTrace without StatusNumber or ScanDate", raw)
        moment = _scan_moment(day, text(trace, "ScanTime"))
        center = text(trace, "CenterNumber") or ""
        label = text(trace, "StatusDescription") or ""
        mapping = self.map_code(code, label)
        at_depot = depot and center.lstrip("0") == depot
        if at_depot and StatusMap.normalize_code(code) in DEPOT_ARRIVAL_CODES:
            mapping = replace(mapping, substatus=Substatus.ARRIVED_AT_DELIVERY_SITE)
        if relay:
            mapping = _collected(mapping)
        return self.event(
            timestamp=parse_local(moment, SCAN_FORMATS, self.timezone, carrier=self.name),
            code=code,
            label=label,
            location=shared_location(city=text(trace, "CenterName"), country="FR"),
            mapping=mapping,
        )

    def _pickup_point(self, result: ET.Element) -> PickupPoint | None:
        name, link = text(result, "PointRelaisName"), text(result, "PointRelaisLink")
        if not (name or link):
            return None
        relay = _RELAY_ID.search(link or "")
        return PickupPoint(name=name, identifier=relay["id"] if relay else None, url=link)

    def _estimate(self, window: ET.Element | None, raw: RawResponse) -> DeliveryEstimate | None:
        """The Predict window (`DeliveryScheduled`), when DPD has announced one."""
        start = text(window, "StartDate")
        if start is None:
            return None
        end = text(window, "EndDate") or start
        earliest = self._when(start.split("T")[0], DATE_FORMATS, raw).date()
        latest = self._when(end.split("T")[0], DATE_FORMATS, raw).date()
        if latest < earliest:
            raise self.invalid("DeliveryScheduled ends before it starts", raw)
        return DeliveryEstimate(
            earliest=earliest,
            latest=latest,
            start_time=self._clock(text(window, "StartTime"), raw),
            end_time=self._clock(text(window, "EndTime"), raw),
            source="carrier",
        )

    def _clock(self, value: str | None, raw: RawResponse) -> time | None:
        return None if value is None else self._when(value, TIME_FORMATS, raw).time()

    def _when(self, value: str, formats: tuple[str, ...], raw: RawResponse) -> datetime:
        for fmt in formats:
            try:
                return strptime(value.strip(), fmt)
            except ValueError:
                continue
        raise self.invalid(f"unreadable date or time {value!r}", raw)

    def _delis(self, result: ET.Element, raw: RawResponse) -> Tracking:
        service = _content(find(result, "shipmentInfo", "serviceDescription", "content"))
        reached = [info for info in children(result, "statusInfo") if _content(info.find("date"))]
        events = self._readable(reached, self._delis_event, raw)
        return Tracking.from_events(
            self.name,
            self._number(raw, text(result, "parcelLabelNumber")),
            events,
            sequence=SEQUENCE,
            status_without_events=Status.INFO_RECEIVED,
            service=service,
        )

    def _readable(
        self,
        rows: Iterable[ET.Element],
        read: Callable[[ET.Element], TrackingEvent],
        raw: RawResponse,
    ) -> list[TrackingEvent]:
        """Each row's event; one unreadable row is skipped, logged and counted, not the answer.

        The status is then read from the others; when no row at all can be read the answer
        is invalid, as a status built from nothing would be wrong."""
        events: list[TrackingEvent] = []
        problems: list[str] = []
        for row in rows:
            try:
                events.append(read(row))
            except CarrierResponseInvalid as exc:
                problems.append(str(exc))
        if problems and not events:
            raise self.invalid(f"no readable event: {'; '.join(problems)}", raw)
        if problems:
            _log.warning(
                "%s %s: %d unreadable event(s) skipped: %s",
                self.name,
                ",".join(raw.requested) or "?",
                len(problems),
                "; ".join(problems),
            )
        return events

    def _delis_event(self, info: ET.Element) -> TrackingEvent:
        stamp = _content(info.find("date")) or ""
        return self.event(
            timestamp=parse_local(stamp, DELIS_FORMATS, self.timezone, carrier=self.name),
            code=text(info, "status") or "",
            label=_content(info.find("description")) or _content(info.find("label")) or "",
            location=_delis_place(_content(info.find("location"))),
        )


def _filler(trace: ET.Element) -> bool:
    """An empty `clsTrace` (no number, date or text): padding, not an event."""
    return not any(text(trace, name) for name in ("StatusNumber", "ScanDate", "StatusDescription"))


def _scan_moment(day: str, clock: str | None) -> str:
    """ScanDate with ScanTime's time; ScanDate's own time (or midnight) when ScanTime is empty."""
    match = _SCAN_DATE.fullmatch(day.strip())
    if match is None:
        return day
    if clock:
        return f"{match['day']} {clock}"
    return day.strip() if match["time"] else f"{match['day']} 00:00"


def _delis_place(place: str | None) -> Location | None:
    """DELIS says "Mechelen (BE)": a city and an ISO country in brackets."""
    match = _DELIS_PLACE.fullmatch(place or "")
    if match:
        return shared_location(city=match["city"], country=match["country"])
    return shared_location(city=place) if place else None


def _collected(mapping: CodeMapping) -> CodeMapping:
    """On a relay-point shipment, "delivered to consignee" is the consignee collecting it."""
    if mapping.status is Status.DELIVERED and mapping.substatus is Substatus.TO_RECIPIENT:
        return replace(mapping, substatus=Substatus.COLLECTED_AT_PICKUP_POINT)
    return mapping


def _content(element: ET.Element | None) -> str | None:
    """DELIS wraps every text in `<content>` (sometimes twice), beside `bold`/`paragraph` flags."""
    if element is None:
        return None
    parts = [part for c in element.iter("content") if c.text and (part := c.text.strip())]
    return " ".join(parts) or None


def _weight(value: str | None) -> float | None:
    try:
        weight = float((value or "").replace(",", "."))
    except ValueError:
        return None
    return weight if weight > 0 else None
