"""The EES discovery answers of the bundled sample: what the content API and the public API say of each publication.

Shapes are EES's own view models (see `sources/discovery.py` and `sources/samples/SOURCE.md`). Ids seen on real
EES pages are used where known (C1's data set file and API ids, the CLA rate, CLA adopted and absence file ids,
the CIN and CLA publication ids); the others are made up here, and SOURCE.md lists which.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sources.source_catalogue import Catalogue

# slug -> (publication id, publication title, latest release title, release slug, release id)
PUBLICATIONS = {
    "characteristics-of-children-in-need": (
        "89869bba-0c00-40f7-b7d6-e28cb904ad37",
        "Children in need",
        "Reporting year 2025",
        "2025",
        "6a1c3f52-2f0e-4c8e-9b7d-0d3c8f6f2a11",
    ),
    "children-looked-after-in-england-including-adoptions": (
        "3260801d-601a-48c6-93b7-cf51680323d1",
        "Children looked after in England including adoptions",
        "Reporting year 2025",
        "2025",
        "0c7e2b91-7d5a-4f0e-8a43-5b6f1e2d9c30",
    ),
    "pupil-absence-in-schools-in-england": (
        "b4f7a1de-5c2e-4b9a-a8f3-2e61d0c7b845",
        "Pupil absence in schools in England",
        "Academic year 2024/25",
        "2024-25",
        "e2d95a07-13b4-4c6f-9e8d-7a1f3b5c2d90",
    ),
}
# ees_key -> the data set file id of the latest release (route "catalogue")
FILE_IDS = {
    "cin_b1": "5b0e6d2a-8c1f-4e7b-9a3d-21f4c6e8b1a7",
    "cin_c1": "911dae20-ac5d-4e28-bee8-53a658761fa5",
    "cin_d3": "c3a8f1e4-6b2d-4f9a-8e7c-5d1b0a9f3e62",
    "cin_d5": "7e4d2c1b-9a8f-4e3d-b6c5-0f1e2d3c4b5a",
    "cla_rate": "4cf02bf8-b4c7-46e5-a63e-702b431db15b",
    "cla_adopted": "e40f7cb0-d887-4c65-b315-3a6b3f7e776b",
    "pupil_absence": "d37f27c4-cca2-4274-97e9-1cdcb4ecad18",
}
API_IDS = {"cin_c1": "342f9a01-26f0-2a71-91a1-f8bc0bee8b11"}
API_VERSION = "2.0"
# Other data sets of the same releases, so that finding by title has neighbours to tell apart (titles as on EES).
NEIGHBOURS = {
    "characteristics-of-children-in-need": [
        "A1 National time series of children in need, referrals and assessments",
        "B2 Children in need at 31 March by recorded disability and local authority",
        "C2 Completed assessments by duration of assessment and local authority",
        "D1 Child Protection Plans by local authority",
        "D4 Child Protection Plans at 31 March by category of abuse and local authority",
    ],
    "children-looked-after-in-england-including-adoptions": [
        "CLA starting during the year by characteristics - LA",
        "CLA on 31 March for 12 months - conviction and health outcomes - by local authority",
    ],
    "pupil-absence-in-schools-in-england": ["Absence for persistent and severe absentees"],
}


def _neighbour_id(slug: str, number: int) -> str:
    digest = hashlib.sha256(f"{slug}/{number}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def publication_answer(slug: str, release: str | None = None) -> dict[str, Any]:
    """`publications/{slug}` as the content API answers it; `release` names a different latest release."""
    publication_id, title, latest, release_slug, release_id = PUBLICATIONS[slug]
    release = release or latest
    return {
        "id": publication_id,
        "slug": slug,
        "summary": "",
        "title": title,
        "latestRelease": {"id": release_id, "slug": release_slug, "title": release},
        "nextReleaseDate": None,
        "supersededByPublication": None,
    }


def file_summary(
    slug: str, data_set_id: str, title: str, filename: str, api: dict | None = None, release: str | None = None
) -> dict[str, Any]:
    """One entry of `data-set-files` (EES `DataSetFileSummaryViewModel`) in the publication's latest release."""
    publication_id, publication_title, latest, release_slug, release_id = PUBLICATIONS[slug]
    release = release or latest
    return {
        "id": data_set_id,
        "fileId": data_set_id[::-1],
        "filename": filename,
        "fileSize": "300 Kb",
        "title": title,
        "content": "",
        "publication": {"id": publication_id, "title": publication_title, "slug": slug},
        "release": {"id": release_id, "title": release, "slug": release_slug},
        "latestData": True,
        "isSuperseded": False,
        "published": "2025-11-06T09:30:00+00:00",
        "lastUpdated": "2025-11-06T09:30:00",
        "api": api,
    }


def answers(catalogue: Catalogue) -> dict[str, Any]:
    """Every discovery answer the bundled catalogue's EES data sets ask for, by URL."""
    dfe = catalogue.publishers["dfe"]
    content, api = dfe.option("content_base"), dfe.option("api_base")
    by_slug: dict[str, list[dict]] = {slug: [] for slug in PUBLICATIONS}
    api_sets: dict[str, list[dict]] = {slug: [] for slug in PUBLICATIONS}
    for entry in catalogue.of_publisher("dfe"):
        slug, key, title = entry.option("publication"), entry.option("ees_key"), entry.option("data_set_title")
        api_ref = {"id": API_IDS[key], "version": API_VERSION} if key in API_IDS else None
        by_slug[slug].append(file_summary(slug, FILE_IDS[key], title, f"{key}.csv", api_ref))
        if key in API_IDS:
            api_sets[slug].append(
                {
                    "id": API_IDS[key],
                    "title": title,
                    "summary": "",
                    "status": "Published",
                    "supersedingDataSetId": None,
                    "latestVersion": {"version": API_VERSION, "published": "2025-11-06T09:30:00+00:00"},
                }
            )
    for slug, titles in NEIGHBOURS.items():
        by_slug[slug] += [file_summary(slug, _neighbour_id(slug, n), t, f"other_{n}.csv") for n, t in enumerate(titles)]
    out: dict[str, Any] = {}
    for slug, files in by_slug.items():
        publication = publication_answer(slug)
        out[f"{content}publications/{slug}"] = publication
        files.sort(key=lambda item: item["title"])
        listing = f"{content}data-set-files?publicationId={publication['id']}&latestOnly=true&page=1&pageSize=40"
        out[listing] = {"results": files, "paging": paging(len(files), 40)}
        if api_sets[slug]:
            url = f"{api}publications/{publication['id']}/data-sets?page=1&pageSize=20"
            out[url] = {"results": api_sets[slug], "paging": paging(len(api_sets[slug]), 20)}
    return out


def paging(total: int, size: int) -> dict[str, int]:
    return {"page": 1, "pageSize": size, "totalResults": total, "totalPages": max(1, (total - 1) // size + 1)}


def csv_url(catalogue: Catalogue, key: str) -> str:
    """Where the sample serves data set `key`'s CSV: where discovery resolves it."""
    dfe = catalogue.publishers["dfe"]
    if key in API_IDS:
        return f"{dfe.option('api_base')}data-sets/{API_IDS[key]}/csv?dataSetVersion={API_VERSION}"
    return f"{dfe.option('catalogue_base')}{FILE_IDS[key]}/csv"
