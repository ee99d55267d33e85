from metrics.areas import ENGLAND_CODE, load_geography


def test_counts_of_each_level():
    g = load_geography()
    assert len(g.utlas()) == 153
    assert len(g.regions()) == 9
    assert g.get(ENGLAND_CODE).name == "England"
    assert all(a.region_code in {r.code for r in g.regions()} for a in g.utlas())


def test_focus_areas_and_their_regions():
    g = load_geography()
    assert g.get("E06000060").name == "Buckinghamshire"
    assert g.region_of("E06000060").name == "South East"
    assert g.region_of("E10000025").name == "South East"
    assert g.region_of("E10000034").name == "West Midlands"


def test_joint_footprint_spans_two_authorities():
    g = load_geography()
    (fp,) = g.footprints()
    assert set(fp.members) == {"E06000019", "E10000034"}
    assert fp.region_code == "E12000005"


def test_legacy_fingertips_codes_map_to_current():
    g = load_geography()
    assert g.resolve_code("E08000016") == "E08000038"  # Barnsley
    assert g.resolve_code("e08000019 ") == "E08000039"  # Sheffield, tolerant of case and spaces
    assert g.resolve_code("E99999999") is None


def test_retired_code_suggests_the_current_authority():
    g = load_geography()
    assert g.suggest("E10000002").code == "E06000060"  # old Buckinghamshire county
    assert g.resolve_code("E10000002") is None


def test_names_as_ndtms_writes_them():
    g = load_geography()
    assert g.find_by_name("Herefordshire").code == "E06000019"
    assert g.find_by_name("Barnet").code == "E09000003"
    assert g.find_by_name("Kingston upon Hull").code == g.find_by_name("Kingston upon Hull, City of").code
