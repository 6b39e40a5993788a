# -*- coding: utf-8 -*-
# Copyright: launchkit.paas contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs launchkit.paas.grafana_agent_config inside the controller on a local connection (plugin_utils/in_process.py)."""
from __future__ import annotations

from ansible_collections.launchkit.paas.plugins.modules.grafana_agent_config import MODULE
from ansible_collections.launchkit.paas.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    """launchkit.paas.grafana_agent_config, in the controller when the connection is local."""

    module = MODULE
