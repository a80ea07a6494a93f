"""The pod runtime: a stand-in kubelet and scheduler, the Job and PVC controllers, and the pod
``/log`` and service ``/proxy`` subresources. See README.md for the image map format."""

from localkube.runtime.controllers import start_controllers

__all__ = ["start_controllers"]
