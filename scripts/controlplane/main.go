// Command altus-controlplane is the real Kubernetes control plane, built from the published
// modules of one release: the first argument names the component, the rest are its own flags.
//
//	altus-controlplane etcd --data-dir …
//	altus-controlplane kube-apiserver --etcd-servers …
//	altus-controlplane kube-controller-manager --kubeconfig …
//	altus-controlplane kube-scheduler --kubeconfig …
//
// One binary links the shared packages once, which on a two-core machine is most of the build.
// Each component still runs as its own process, as on a real control plane.
package main

import (
	"fmt"
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: altus-controlplane etcd|kube-apiserver|kube-controller-manager|kube-scheduler [flags]")
		os.Exit(2)
	}
	component, args := os.Args[1], os.Args[2:]
	switch component {
	case "etcd":
		etcdmain.Main(append([]string{"etcd"}, args...))
	case "kube-apiserver":
		command := apiserver.NewAPIServerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	case "kube-controller-manager":
		command := controllermanager.NewControllerManagerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	case "kube-scheduler":
		command := scheduler.NewSchedulerCommand()
		command.SetArgs(args)
		os.Exit(cli.Run(command))
	default:
		fmt.Fprintf(os.Stderr, "altus-controlplane: unknown component %q\n", component)
		os.Exit(2)
	}
}
