"""Products and customers (formats.md), validated by the same schemas as the files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from wanjeon.accounts.policy import Action, require
from wanjeon.adapters.files.schemas import CustomerFile, ProductFile, first_problem
from wanjeon.consultation import catalogue
from wanjeon.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from wanjeon.errors import InputError

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


def _product_dict(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "category": p.category.value,
        "kind": p.kind.value,
        "risk_grade": p.risk_grade,
        "complex": p.complex,
        "principal_protected": p.principal_protected,
        "deposit_insured": p.deposit_insured,
        "withdrawal_days": p.withdrawal_days,
        "fees": p.fees,
        "features": p.features,
    }


def _customer_dict(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "age": c.age,
        "investor_type": c.investor_type.value,
        "investment_experience_years": c.investment_experience_years,
        "vulnerable": c.vulnerable,
    }


def _parse(model: Any, body: dict[str, Any], what: str) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(body).to_domain()
    except ValidationError as exc:
        field, reason = first_problem(exc, "")
        raise InputError(what, field, reason) from None


@router.post("/products", status_code=201)
def create_product(
    who: CurrentPrincipal, s: ServicesDep, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    require(who, Action.WRITE_PRODUCT)  # refuse before reading the body: no hints to the unauthorised
    product = _parse(ProductFile, body, "product")
    return _product_dict(catalogue.add_product(s, who, product))


@router.get("/products/{product_id}")
def read_product(product_id: str, who: CurrentPrincipal, s: ServicesDep) -> dict[str, Any]:
    return _product_dict(catalogue.get_product(s, who, product_id))


@router.post("/customers", status_code=201)
def create_customer(
    who: CurrentPrincipal, s: ServicesDep, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    require(who, Action.WRITE_CUSTOMER)
    customer = _parse(CustomerFile, body, "customer")
    return _customer_dict(catalogue.add_customer(s, who, customer))


@router.get("/customers/{customer_id}")
def read_customer(customer_id: str, who: CurrentPrincipal, s: ServicesDep) -> dict[str, Any]:
    return _customer_dict(catalogue.get_customer(s, who, customer_id))
