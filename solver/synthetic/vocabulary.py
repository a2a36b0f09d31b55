"""Word lists, product lines, regions and the typical shapes of a hardware vendor's channel."""

from __future__ import annotations

import numpy as np

PRODUCT_LINES: tuple[tuple[str, str, str], ...] = (
    ("PCS", "Personal computers", "PSG"),
    ("PRINT", "Printers", "IPG"),
    ("SUPPLIES", "Print supplies", "IPG"),
    ("MPS", "Managed print services", "IPG"),
    ("SERVERS", "Servers", "TSG"),
    ("STORAGE", "Storage", "TSG"),
    ("NETWORKING", "Networking", "TSG"),
    ("SERVICES", "IT services", "TSG"),
)
LINE_CODES: tuple[str, ...] = tuple(code for code, _, _ in PRODUCT_LINES)

TRACKS: tuple[str, ...] = ("VOLUME", "VALUE", "ALLIANCE", "OEM")
TRACK_WEIGHTS = np.array([0.45, 0.25, 0.20, 0.10])
TIERS: tuple[str, ...] = ("SILVER", "GOLD", "PLATINUM")

# Typical attach rate of each track in each product line (order of LINE_CODES).
TRACK_PROFILE: dict[str, tuple[float, ...]] = {
    "VOLUME": (0.35, 0.30, 0.30, 0.05, 0.05, 0.03, 0.05, 0.03),
    "VALUE": (0.12, 0.20, 0.25, 0.35, 0.05, 0.05, 0.05, 0.30),
    "ALLIANCE": (0.08, 0.03, 0.03, 0.03, 0.35, 0.30, 0.30, 0.20),
    "OEM": (0.20, 0.08, 0.08, 0.05, 0.15, 0.08, 0.08, 0.05),
}
# How likely an account of each segment buys each product line (order of LINE_CODES).
SEGMENT_LINE_PROBABILITY: dict[str, tuple[float, ...]] = {
    "SMB": (0.95, 0.80, 0.80, 0.15, 0.30, 0.20, 0.40, 0.25),
    "MID_MARKET": (0.95, 0.85, 0.85, 0.40, 0.70, 0.55, 0.70, 0.50),
    "ENTERPRISE": (0.95, 0.90, 0.90, 0.70, 0.95, 0.90, 0.90, 0.85),
}
SEGMENTS: tuple[str, ...] = ("SMB", "MID_MARKET", "ENTERPRISE")
SEGMENT_WEIGHTS = np.array([0.70, 0.22, 0.08])
# Median total wallet in dollars and median workload units per segment.
SEGMENT_WALLET_DOLLARS = np.array([40_000.0, 350_000.0, 2_500_000.0])
SEGMENT_WORKLOAD = np.array([1.5, 4.0, 12.0])
# Probability that an account of each segment stays NAMED (covered by direct sales).
SEGMENT_NAMED = np.array([0.08, 0.30, 0.70])
# Specialists concentrate on the lines where partners are typically weak.
SPECIALIST_LINE_WEIGHTS = np.array([0.04, 0.06, 0.02, 0.14, 0.20, 0.22, 0.16, 0.16])

REGIONS: dict[str, tuple[str, ...]] = {
    "AMS": (
        "Boston",
        "New York",
        "Chicago",
        "Atlanta",
        "Dallas",
        "Denver",
        "Seattle",
        "San Francisco",
        "Los Angeles",
        "Toronto",
        "Mexico City",
        "Sao Paulo",
        "Buenos Aires",
        "Miami",
        "Phoenix",
    ),
    "EMEA": (
        "London",
        "Paris",
        "Frankfurt",
        "Munich",
        "Madrid",
        "Milan",
        "Amsterdam",
        "Stockholm",
        "Warsaw",
        "Zurich",
        "Vienna",
        "Dubai",
        "Johannesburg",
        "Dublin",
        "Prague",
    ),
    "APJ": (
        "Tokyo",
        "Osaka",
        "Seoul",
        "Shanghai",
        "Singapore",
        "Sydney",
        "Melbourne",
        "Mumbai",
        "Bangalore",
        "Jakarta",
        "Bangkok",
        "Auckland",
        "Manila",
        "Taipei",
        "Hong Kong",
    ),
}
NAME_STEMS = (
    "Northwind",
    "Bluewater",
    "Ironbridge",
    "Silverline",
    "Redwood",
    "Summit",
    "Harbor",
    "Keystone",
    "Brightpath",
    "Crescent",
    "Granite",
    "Evergreen",
    "Falcon",
    "Meridian",
    "Pioneer",
    "Sterling",
    "Vertex",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Horizon",
    "Lakeside",
    "Orion",
    "Quantum",
    "Riverside",
)
PARTNER_WORDS = (
    "Systems",
    "Solutions",
    "Technologies",
    "Networks",
    "Digital",
    "IT",
    "Computing",
    "Office",
    "Integration",
    "Data",
)
PARTNER_SUFFIX = ("Ltd", "Inc", "GmbH", "SA", "BV", "Pty", "LLC", "AG", "KK", "Group")
ACCOUNT_WORDS = (
    "Logistics",
    "Health",
    "Foods",
    "Motors",
    "Energy",
    "Capital",
    "Retail",
    "Pharma",
    "Textiles",
    "Media",
    "Insurance",
    "Construction",
    "Labs",
    "Hotels",
    "Airlines",
    "Bank",
    "University",
    "Council",
    "Clinic",
    "Dental",
)
FIRST_NAMES = (
    "Ana",
    "Ben",
    "Chen",
    "Dana",
    "Elif",
    "Femi",
    "Goran",
    "Hana",
    "Ivan",
    "Jules",
    "Kenji",
    "Lara",
    "Marta",
    "Nikhil",
    "Olga",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomas",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Zoe",
)
LAST_NAMES = (
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Müller",
    "Nakamura",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhang",
)
