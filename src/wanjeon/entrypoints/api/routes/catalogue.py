"""Products and customers (formats.md), validated by the same schemas as the files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel

from wanjeon.accounts.policy import Action, require
from wanjeon.adapters.files.schemas import CustomerFile, ProductFile, first_problem
from wanjeon.consultation import catalogue
from wanjeon.entrypoints.api.deps import CurrentPrincipal, ServicesDep, json_response
from wanjeon.entrypoints.api.schemas import CustomerRead, ProductRead
from wanjeon.errors import InputError

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


def _body_of(model: type[BaseModel], description: str) -> dict[str, Any]:
    """``openapi_extra`` describing a JSON body that the route validates itself, with ``model``.

    FastAPI only knows the body as a free-form object (validating it first would answer 422
    before the role check's 403). The schema is inlined because a route cannot add to
    ``components/schemas``, where the ``$ref``s of its ``$defs`` would otherwise have to point.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        inlined = {key: inline(value) for key, value in node.items() if key != "$ref"}
        if "$ref" in node:  # the models are not recursive, so this ends
            return {**inline(defs[node["$ref"].removeprefix("#/$defs/")]), **inlined}
        return inlined

    content = {"application/json": {"schema": inline(schema)}}
    return {"requestBody": {"description": description, "required": True, "content": content}}


def _parse(model: Any, body: dict[str, Any], what: str) -> Any:
    from pydantic import ValidationError

    try:
        return model.model_validate(body).to_domain()
    except ValidationError as exc:
        field, reason = first_problem(exc, "")
        raise InputError(what, field, reason) from None


@router.post(
    "/products",
    status_code=201,
    response_model=ProductRead,
    openapi_extra=_body_of(ProductFile, "A product, as in formats.md"),
)
def create_product(
    who: CurrentPrincipal, s: ServicesDep, body: Annotated[dict[str, Any], Body()]
) -> Response:
    require(who, Action.WRITE_PRODUCT)  # refuse before reading the body: no hints to the unauthorised
    product = _parse(ProductFile, body, "product")
    return json_response(ProductRead.model_validate(catalogue.add_product(s, who, product)), 201)


@router.get("/products/{product_id}", response_model=ProductRead)
def read_product(product_id: str, who: CurrentPrincipal, s: ServicesDep) -> Response:
    return json_response(ProductRead.model_validate(catalogue.get_product(s, who, product_id)))


@router.post(
    "/customers",
    status_code=201,
    response_model=CustomerRead,
    openapi_extra=_body_of(CustomerFile, "A customer, as in formats.md"),
)
def create_customer(
    who: CurrentPrincipal, s: ServicesDep, body: Annotated[dict[str, Any], Body()]
) -> Response:
    require(who, Action.WRITE_CUSTOMER)
    customer = _parse(CustomerFile, body, "customer")
    return json_response(CustomerRead.model_validate(catalogue.add_customer(s, who, customer)), 201)


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def read_customer(customer_id: str, who: CurrentPrincipal, s: ServicesDep) -> Response:
    return json_response(CustomerRead.model_validate(catalogue.get_customer(s, who, customer_id)))
