"""Word lists the tenant is made of (names, trades, MasterFormat-like cost codes)."""

from __future__ import annotations

FIRST_NAMES = (
    "Maria", "James", "Linda", "Robert", "Aisha", "Chen", "Priya", "David", "Sofia", "Liam",
    "Olivia", "Noah", "Emma", "Mateo", "Yuki", "Fatima", "Lucas", "Grace", "Ethan", "Zoe",
    "Hannah", "Omar", "Isabel", "Kwame", "Ingrid", "Raj", "Chloe", "Diego", "Nora", "Samuel",
)
LAST_NAMES = (
    "Garcia", "Smith", "Johnson", "Nguyen", "Patel", "Kim", "Brown", "Martinez", "Lee", "Walker",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "White", "Harris",
    "Clark", "Lewis", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Hill", "Green", "Adams",
)
# Names the builder typed by hand: accents, doubled spaces, apostrophes, hyphens.
ODD_CLIENTS = (
    ("José", "Núñez", "José  Núñez"),
    ("Siobhán", "O'Brien-Smith", "Siobhán O'Brien-Smith"),
    ("Zoë", "Łukasiewicz", "Zoë Łukasiewicz"),
    ("Renée", "D'Angelo", " Renée D'Angelo"),
    ("Björn", "Åström", "Björn Åström "),
)
DUPLICATE_CLIENT = ("Michael", "Johnson", "Michael Johnson")

STREETS = ("Maple St", "Oak Ave", "Cedar Ln", "Aspen Way", "Ridge Rd", "Lakeview Dr", "Pine Ct",
           "Willow Blvd", "Canyon Rd", "Meadow Ln")
CITIES = (("Boulder", "CO", "80302"), ("Golden", "CO", "80401"), ("Denver", "CO", "80205"),
          ("Evergreen", "CO", "80439"), ("Louisville", "CO", "80027"), ("Lakewood", "CO", "80226"))
PROJECT_KINDS = ("Kitchen Remodel", "New Build", "Basement Finish", "Addition", "Bath Remodel",
                 "Custom Home", "Whole House Renovation", "Garage & ADU", "Deck and Patio")

STAFF_ROLES = ("admin", "project_manager", "site_supervisor", "bookkeeper")

TRADES = ("framing", "concrete", "plumbing", "electrical", "hvac", "roofing", "drywall", "tile",
          "cabinets", "painting", "appliances", "general")
TRADE_SUFFIX = ("Co.", "LLC", "& Sons", "Inc.", "Builders", "Services", "Supply")

CATEGORIES = ("labor", "material", "subcontractor", "equipment", "other")
UNITS = ("ea", "sf", "lf", "hr", "ls", "cy", "sq")

# (division code, division name, [(code suffix, code name), ...])
DIVISIONS = (
    ("01", "General Requirements", ("Permits", "Supervision", "Temporary Utilities", "Dumpsters",
                                    "Cleanup", "Insurance", "Surveys", "Portable Toilets", "Equipment Rental")),
    ("02", "Site Work", ("Excavation", "Grading", "Demolition", "Utilities Trenching", "Erosion Control",
                         "Landscaping", "Driveway", "Retaining Walls", "Tree Removal")),
    ("03", "Concrete", ("Footings", "Foundation Walls", "Slabs", "Flatwork", "Rebar", "Pumping",
                        "Waterproofing", "Concrete Finishing", "Stamped Concrete")),
    ("04", "Masonry", ("Brick Veneer", "Stone Veneer", "Fireplace", "Chimney", "Pavers",
                       "Block Walls", "Masonry Repair", "Caps & Sills", "Mortar")),
    ("05", "Metals", ("Structural Steel", "Railings", "Beams & Posts", "Misc Metals", "Welding",
                      "Steel Stairs", "Lintels", "Anchors", "Metal Fabrication")),
    ("06", "Wood & Plastics", ("Rough Framing", "Framing Labor", "Trusses", "Sheathing", "Finish Carpentry",
                               "Trim Material", "Decking", "Stairs", "Cabinet Install")),
    ("07", "Thermal & Moisture", ("Insulation", "Roofing", "Gutters", "Siding", "Flashing",
                                  "Sealants", "Vapor Barrier", "Skylights", "Soffit & Fascia")),
    ("08", "Doors & Windows", ("Exterior Doors", "Interior Doors", "Windows", "Garage Doors",
                               "Door Hardware", "Glass & Mirrors", "Patio Doors", "Window Install", "Screens")),
    ("09", "Finishes", ("Drywall", "Paint", "Tile", "Hardwood Flooring", "Carpet", "LVP Flooring",
                        "Countertops", "Backsplash", "Wallpaper")),
    ("10", "Specialties", ("Bath Accessories", "Shower Doors", "Closet Systems", "Signage",
                           "Fire Extinguishers", "Mailboxes", "Shelving", "Louvers", "Vents")),
    ("11", "Equipment", ("Appliances", "Range Hood", "Laundry", "Water Softener", "Central Vac",
                         "Security System", "Home Automation", "Generator", "Sauna")),
    ("12", "Furnishings", ("Cabinets", "Vanities", "Window Treatments", "Built-ins", "Furniture",
                           "Rugs", "Art Hanging", "Blinds", "Mirrors")),
    ("15", "Mechanical", ("Plumbing Rough", "Plumbing Fixtures", "Water Heater", "HVAC Rough",
                          "HVAC Equipment", "Ductwork", "Gas Piping", "Radiant Heat", "Sewer Line")),
    ("16", "Electrical", ("Electrical Rough", "Electrical Fixtures", "Service Upgrade", "Low Voltage",
                          "Lighting Package", "Solar", "EV Charger", "Panel", "Smoke Detectors")),
    ("17", "Builder Fees", ("Builder Fee", "Contingency", "Design Fee", "Overhead", "Warranty Reserve",
                            "Project Management", "Estimating", "Closeout", "Punch List")),
    ("18", "Allowances", ("Lighting Allowance", "Plumbing Allowance", "Tile Allowance", "Appliance Allowance",
                          "Flooring Allowance", "Hardware Allowance", "Counter Allowance", "Misc Allowance",
                          "Landscape Allowance")),
    ("19", "Legacy Codes", ("Old Framing", "Old Finish", "Old Misc", "Old Site", "Old Labor",
                            "Old Electrical", "Old Plumbing")),
)

SELECTIONS = (("Kitchen Countertops", "Kitchen"), ("Kitchen Cabinets", "Kitchen"),
              ("Appliance Package", "Kitchen"), ("Primary Bath Tile", "Primary Bath"),
              ("Plumbing Fixtures", "Primary Bath"), ("Lighting Fixtures", "Whole House"),
              ("Flooring", "Living Room"), ("Interior Paint Colors", "Whole House"),
              ("Exterior Siding Color", "Exterior"), ("Door Hardware", "Whole House"),
              ("Fireplace Surround", "Living Room"), ("Garage Door", "Exterior"))
OPTION_GRADES = ("Builder Grade", "Mid Range", "Premium", "Designer")

CO_TITLES = ("Add pantry shelving", "Upgrade windows", "Relocate outlet", "Extra recessed lights",
             "Change tile pattern", "Add outdoor kitchen", "Remove wall", "Upgrade insulation",
             "Credit: delete fireplace", "Add heated floor", "Extend deck", "Allowance overage",
             "Structural fix after inspection", "Owner requested trim change")
TASKS = ("Permits", "Demolition", "Excavation", "Footings", "Foundation", "Framing", "Roofing",
         "Windows & Doors", "Rough Plumbing", "Rough Electrical", "Rough HVAC", "Inspection",
         "Insulation", "Drywall", "Trim", "Cabinets", "Countertops", "Tile", "Paint", "Flooring",
         "Fixtures", "Appliances", "Landscaping", "Punch List", "Final Clean", "Walkthrough")
FILE_KINDS = (("photo", "jpg", "image/jpeg"), ("plan", "pdf", "application/pdf"),
              ("invoice", "pdf", "application/pdf"), ("spec", "docx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
              ("site", "png", "image/png"), ("quote", "xlsx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
QB_SYNC_ERRORS = (
    "Customer:Job not found in QuickBooks",
    "Item 'Framing Labor' is inactive in QuickBooks",
    "Duplicate document number in QuickBooks",
    "Account period is closed",
    "Class is required for this transaction",
)
