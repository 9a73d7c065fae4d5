"""One way to reach Temporal, shared by the worker, the CLI, the web app and the tests."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType, TaskQueueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from domain import search
from domain.settings import Settings
from starter.codec import EncryptionCodec, data_converter, parse_keys


def payload_codec(settings: Settings) -> EncryptionCodec:
    """The codec from PAYLOAD_KEYS: required, since nothing may reach Temporal in the clear."""
    return EncryptionCodec(parse_keys(settings.require("payload_keys")))


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(payload_codec(settings)),
    )


def _index_type(key: SearchAttributeKey) -> IndexedValueType.ValueType:
    # The SDK's enum shares its numbers with the API's.
    return IndexedValueType.ValueType(key.indexed_value_type.value)


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register the custom search attributes the namespace lacks; return those added."""
    try:
        existing = set((await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace))).custom_attributes)
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()  # the time-skipping test server can add but not list
    added = []
    for key in search.ALL:
        if key.name in existing:
            continue
        try:
            await client.operator_service.add_search_attributes(AddSearchAttributesRequest(
                namespace=namespace, search_attributes={key.name: _index_type(key)}))
            added.append(key.name)
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:  # another worker got there first
                raise
    return added


async def worker_polling_here(client: Client, task_queue: str, hostname: str) -> bool:
    """True when a worker on this host (SDK identity `pid@host`) polls the task queue for
    workflow tasks: what a container healthcheck means by 'the worker is up'."""
    described = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
    return any(p.identity.endswith(f"@{hostname}") for p in described.pollers)
