package native

import (
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionscrd "k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
	aggregatorinstall "k8s.io/kube-aggregator/pkg/apis/apiregistration/install"
	aggregatorapiservice "k8s.io/kube-aggregator/pkg/registry/apiservice"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/admissionregistration/install"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/certificates/install"
	_ "k8s.io/kubernetes/pkg/apis/coordination/install"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/discovery/install"
	_ "k8s.io/kubernetes/pkg/apis/events/install"
	_ "k8s.io/kubernetes/pkg/apis/flowcontrol/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	_ "k8s.io/kubernetes/pkg/apis/node/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	_ "k8s.io/kubernetes/pkg/apis/rbac/install"
	_ "k8s.io/kubernetes/pkg/apis/resource/install"
	_ "k8s.io/kubernetes/pkg/apis/scheduling/install"
	_ "k8s.io/kubernetes/pkg/apis/storage/install"
	_ "k8s.io/kubernetes/pkg/apis/storagemigration/install"
	admissionregistrationmutatingadmissionpolicy "k8s.io/kubernetes/pkg/registry/admissionregistration/mutatingadmissionpolicy"
	admissionregistrationmutatingadmissionpolicybinding "k8s.io/kubernetes/pkg/registry/admissionregistration/mutatingadmissionpolicybinding"
	admissionregistrationmutatingwebhookconfiguration "k8s.io/kubernetes/pkg/registry/admissionregistration/mutatingwebhookconfiguration"
	admissionregistrationvalidatingadmissionpolicy "k8s.io/kubernetes/pkg/registry/admissionregistration/validatingadmissionpolicy"
	admissionregistrationvalidatingadmissionpolicybinding "k8s.io/kubernetes/pkg/registry/admissionregistration/validatingadmissionpolicybinding"
	admissionregistrationvalidatingwebhookconfiguration "k8s.io/kubernetes/pkg/registry/admissionregistration/validatingwebhookconfiguration"
	appscontrollerrevision "k8s.io/kubernetes/pkg/registry/apps/controllerrevision"
	appsdaemonset "k8s.io/kubernetes/pkg/registry/apps/daemonset"
	appsdeployment "k8s.io/kubernetes/pkg/registry/apps/deployment"
	appsreplicaset "k8s.io/kubernetes/pkg/registry/apps/replicaset"
	appsstatefulset "k8s.io/kubernetes/pkg/registry/apps/statefulset"
	autoscalinghorizontalpodautoscaler "k8s.io/kubernetes/pkg/registry/autoscaling/horizontalpodautoscaler"
	batchcronjob "k8s.io/kubernetes/pkg/registry/batch/cronjob"
	batchjob "k8s.io/kubernetes/pkg/registry/batch/job"
	certificatescertificates "k8s.io/kubernetes/pkg/registry/certificates/certificates"
	certificatesclustertrustbundle "k8s.io/kubernetes/pkg/registry/certificates/clustertrustbundle"
	certificatespodcertificaterequest "k8s.io/kubernetes/pkg/registry/certificates/podcertificaterequest"
	coordinationlease "k8s.io/kubernetes/pkg/registry/coordination/lease"
	coreconfigmap "k8s.io/kubernetes/pkg/registry/core/configmap"
	coreendpoint "k8s.io/kubernetes/pkg/registry/core/endpoint"
	coreevent "k8s.io/kubernetes/pkg/registry/core/event"
	corelimitrange "k8s.io/kubernetes/pkg/registry/core/limitrange"
	corenamespace "k8s.io/kubernetes/pkg/registry/core/namespace"
	corenode "k8s.io/kubernetes/pkg/registry/core/node"
	corepersistentvolume "k8s.io/kubernetes/pkg/registry/core/persistentvolume"
	corepersistentvolumeclaim "k8s.io/kubernetes/pkg/registry/core/persistentvolumeclaim"
	corepod "k8s.io/kubernetes/pkg/registry/core/pod"
	corepodtemplate "k8s.io/kubernetes/pkg/registry/core/podtemplate"
	corereplicationcontroller "k8s.io/kubernetes/pkg/registry/core/replicationcontroller"
	coreresourcequota "k8s.io/kubernetes/pkg/registry/core/resourcequota"
	coresecret "k8s.io/kubernetes/pkg/registry/core/secret"
	coreservice "k8s.io/kubernetes/pkg/registry/core/service"
	coreserviceaccount "k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	discoveryendpointslice "k8s.io/kubernetes/pkg/registry/discovery/endpointslice"
	flowcontrolflowschema "k8s.io/kubernetes/pkg/registry/flowcontrol/flowschema"
	flowcontrolprioritylevelconfiguration "k8s.io/kubernetes/pkg/registry/flowcontrol/prioritylevelconfiguration"
	networkingingress "k8s.io/kubernetes/pkg/registry/networking/ingress"
	networkingingressclass "k8s.io/kubernetes/pkg/registry/networking/ingressclass"
	networkingipaddress "k8s.io/kubernetes/pkg/registry/networking/ipaddress"
	networkingnetworkpolicy "k8s.io/kubernetes/pkg/registry/networking/networkpolicy"
	networkingservicecidr "k8s.io/kubernetes/pkg/registry/networking/servicecidr"
	noderuntimeclass "k8s.io/kubernetes/pkg/registry/node/runtimeclass"
	policypoddisruptionbudget "k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"
	rbacclusterrole "k8s.io/kubernetes/pkg/registry/rbac/clusterrole"
	rbacclusterrolebinding "k8s.io/kubernetes/pkg/registry/rbac/clusterrolebinding"
	rbacrole "k8s.io/kubernetes/pkg/registry/rbac/role"
	rbacrolebinding "k8s.io/kubernetes/pkg/registry/rbac/rolebinding"
	resourcedeviceclass "k8s.io/kubernetes/pkg/registry/resource/deviceclass"
	resourcedevicetaintrule "k8s.io/kubernetes/pkg/registry/resource/devicetaintrule"
	resourceresourceclaim "k8s.io/kubernetes/pkg/registry/resource/resourceclaim"
	resourceresourceclaimtemplate "k8s.io/kubernetes/pkg/registry/resource/resourceclaimtemplate"
	resourceresourceslice "k8s.io/kubernetes/pkg/registry/resource/resourceslice"
	schedulingpriorityclass "k8s.io/kubernetes/pkg/registry/scheduling/priorityclass"
	storagecsidriver "k8s.io/kubernetes/pkg/registry/storage/csidriver"
	storagecsinode "k8s.io/kubernetes/pkg/registry/storage/csinode"
	storagecsistoragecapacity "k8s.io/kubernetes/pkg/registry/storage/csistoragecapacity"
	storagestorageclass "k8s.io/kubernetes/pkg/registry/storage/storageclass"
	storagevolumeattachment "k8s.io/kubernetes/pkg/registry/storage/volumeattachment"
	storagevolumeattributesclass "k8s.io/kubernetes/pkg/registry/storage/volumeattributesclass"
	storagemigration "k8s.io/kubernetes/pkg/registry/storagemigration/storagemigration"
)

// CustomResourceDefinitions and the aggregator's APIServices are served by
// kube-apiserver too, from schemes of their own; kubenix decodes them with
// the rest.
func init() {
	apiextensionsinstall.Install(legacyscheme.Scheme)
	aggregatorinstall.Install(legacyscheme.Scheme)
}

// beforeCreate is what a kind's REST storage does to a new object before
// its strategy runs, where it does more than the strategy: a Service's
// storage fills clusterIPs from clusterIP (pkg/registry/core/service/storage,
// normalizeClusterIPs), so that a headless Service (clusterIP: None) or a
// fixed clusterIP is valid without clusterIPs. (It then allocates addresses
// from the cluster's ranges: cluster state kubenix does not have.)
var beforeCreate = map[k8sschema.GroupKind]func(k8sruntime.Object){
	{Group: "", Kind: "Service"}: func(o k8sruntime.Object) {
		if svc, ok := o.(*core.Service); ok && svc.Spec.ClusterIP != "" && len(svc.Spec.ClusterIPs) == 0 {
			svc.Spec.ClusterIPs = []string{svc.Spec.ClusterIP}
		}
	},
}

// strategies are the registry strategies of the built-in kinds. A few ask
// the cluster for what no manifest holds: the admission policies authorize
// the user for their paramKind (with no authorizer, as for a superuser, they
// do not), a ResourceClaim asking for admin access reads its namespace's
// labels (there kubenix has no verdict of the server's rules and keeps the
// schema's).
var strategies = map[k8sschema.GroupKind]rest.RESTCreateStrategy{
	{Group: "", Kind: "Pod"}:                                                          corepod.Strategy,
	{Group: "", Kind: "PodTemplate"}:                                                  corepodtemplate.Strategy,
	{Group: "", Kind: "ReplicationController"}:                                        corereplicationcontroller.Strategy,
	{Group: "", Kind: "Service"}:                                                      coreservice.Strategy,
	{Group: "", Kind: "Endpoints"}:                                                    coreendpoint.Strategy,
	{Group: "", Kind: "ConfigMap"}:                                                    coreconfigmap.Strategy,
	{Group: "", Kind: "Secret"}:                                                       coresecret.Strategy,
	{Group: "", Kind: "ServiceAccount"}:                                               coreserviceaccount.Strategy,
	{Group: "", Kind: "PersistentVolume"}:                                             corepersistentvolume.Strategy,
	{Group: "", Kind: "PersistentVolumeClaim"}:                                        corepersistentvolumeclaim.Strategy,
	{Group: "", Kind: "Namespace"}:                                                    corenamespace.Strategy,
	{Group: "", Kind: "Node"}:                                                         corenode.Strategy,
	{Group: "", Kind: "ResourceQuota"}:                                                coreresourcequota.Strategy,
	{Group: "", Kind: "LimitRange"}:                                                   corelimitrange.Strategy,
	{Group: "", Kind: "Event"}:                                                        coreevent.Strategy,
	{Group: "events.k8s.io", Kind: "Event"}:                                           coreevent.Strategy,
	{Group: "apps", Kind: "Deployment"}:                                               appsdeployment.Strategy,
	{Group: "apps", Kind: "StatefulSet"}:                                              appsstatefulset.Strategy,
	{Group: "apps", Kind: "DaemonSet"}:                                                appsdaemonset.Strategy,
	{Group: "apps", Kind: "ReplicaSet"}:                                               appsreplicaset.Strategy,
	{Group: "apps", Kind: "ControllerRevision"}:                                       appscontrollerrevision.Strategy,
	{Group: "batch", Kind: "Job"}:                                                     batchjob.Strategy,
	{Group: "batch", Kind: "CronJob"}:                                                 batchcronjob.Strategy,
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}:                           autoscalinghorizontalpodautoscaler.Strategy,
	{Group: "networking.k8s.io", Kind: "Ingress"}:                                     networkingingress.Strategy,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                                networkingingressclass.Strategy,
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:                               networkingnetworkpolicy.Strategy,
	{Group: "networking.k8s.io", Kind: "ServiceCIDR"}:                                 networkingservicecidr.Strategy,
	{Group: "networking.k8s.io", Kind: "IPAddress"}:                                   networkingipaddress.Strategy,
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}:                                discoveryendpointslice.Strategy,
	{Group: "policy", Kind: "PodDisruptionBudget"}:                                    policypoddisruptionbudget.Strategy,
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:                                rbacrole.Strategy,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                         rbacclusterrole.Strategy,
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:                         rbacrolebinding.Strategy,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                  rbacclusterrolebinding.Strategy,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                   storagestorageclass.Strategy,
	{Group: "storage.k8s.io", Kind: "CSIDriver"}:                                      storagecsidriver.Strategy,
	{Group: "storage.k8s.io", Kind: "CSINode"}:                                        storagecsinode.Strategy,
	{Group: "storage.k8s.io", Kind: "CSIStorageCapacity"}:                             storagecsistoragecapacity.Strategy,
	{Group: "storage.k8s.io", Kind: "VolumeAttachment"}:                               storagevolumeattachment.Strategy,
	{Group: "storage.k8s.io", Kind: "VolumeAttributesClass"}:                          storagevolumeattributesclass.Strategy,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                               schedulingpriorityclass.Strategy,
	{Group: "node.k8s.io", Kind: "RuntimeClass"}:                                      noderuntimeclass.Strategy,
	{Group: "coordination.k8s.io", Kind: "Lease"}:                                     coordinationlease.Strategy,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "FlowSchema"}:                       flowcontrolflowschema.Strategy,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "PriorityLevelConfiguration"}:       flowcontrolprioritylevelconfiguration.Strategy,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}:   admissionregistrationvalidatingwebhookconfiguration.Strategy,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:     admissionregistrationmutatingwebhookconfiguration.Strategy,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}:        admissionregistrationvalidatingadmissionpolicy.NewStrategy(nil, nil),
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"}: admissionregistrationvalidatingadmissionpolicybinding.NewStrategy(nil, nil, nil),
	{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicy"}:          admissionregistrationmutatingadmissionpolicy.NewStrategy(nil, nil),
	{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicyBinding"}:   admissionregistrationmutatingadmissionpolicybinding.NewStrategy(nil, nil, nil),
	{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"}:                 certificatescertificates.Strategy,
	{Group: "certificates.k8s.io", Kind: "ClusterTrustBundle"}:                        certificatesclustertrustbundle.Strategy,
	{Group: "certificates.k8s.io", Kind: "PodCertificateRequest"}:                     certificatespodcertificaterequest.NewStrategy(),
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:                 apiextensionscrd.NewStrategy(legacyscheme.Scheme),
	{Group: "apiregistration.k8s.io", Kind: "APIService"}:                             aggregatorapiservice.NewStrategy(legacyscheme.Scheme),
	{Group: "resource.k8s.io", Kind: "DeviceClass"}:                                   resourcedeviceclass.Strategy,
	{Group: "resource.k8s.io", Kind: "DeviceTaintRule"}:                               resourcedevicetaintrule.Strategy,
	{Group: "resource.k8s.io", Kind: "ResourceClaim"}:                                 resourceresourceclaim.NewStrategy(nil, nil),
	{Group: "resource.k8s.io", Kind: "ResourceClaimTemplate"}:                         resourceresourceclaimtemplate.NewStrategy(nil),
	{Group: "resource.k8s.io", Kind: "ResourceSlice"}:                                 resourceresourceslice.Strategy,
	{Group: "storagemigration.k8s.io", Kind: "StorageVersionMigration"}:               storagemigration.Strategy,
}
