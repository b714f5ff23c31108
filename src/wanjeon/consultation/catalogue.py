"""Use cases of the product and customer catalogue (formats.md Product and Customer)."""

from __future__ import annotations

from wanjeon.accounts.model import Principal
from wanjeon.accounts.policy import Action, require
from wanjeon.consultation.model import Customer, Product
from wanjeon.consultation.services import NotFound, Services


def add_product(s: Services, who: Principal, product: Product) -> Product:
    require(who, Action.WRITE_PRODUCT)
    with s.uow() as uow:
        uow.products.add(product)
        uow.audit.append(actor=who.subject, action="product.create", target=f"product:{product.id}")
        uow.commit()
    return product


def get_product(s: Services, who: Principal, product_id: str) -> Product:
    require(who, Action.READ_CATALOGUE)
    with s.reads() as uow:
        product = uow.products.get(product_id)
    if product is None:
        raise NotFound("product", product_id)
    return product


def add_customer(s: Services, who: Principal, customer: Customer) -> Customer:
    require(who, Action.WRITE_CUSTOMER)
    with s.uow() as uow:
        uow.customers.add(customer)
        uow.audit.append(actor=who.subject, action="customer.create", target=f"customer:{customer.id}")
        uow.commit()
    return customer


def get_customer(s: Services, who: Principal, customer_id: str) -> Customer:
    require(who, Action.READ_CATALOGUE)
    with s.reads() as uow:
        customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer
